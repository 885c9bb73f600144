import Foundation
public import HTTPTypes
public import Hummingbird
public import Logging
import MachiCore

/// Outermost middleware: gives every answer an `X-Request-Id` (the client's when it is sane,
/// else a new one), logs one line per request and feeds the metrics. The line has no query
/// string, cookie or Authorization header: queries can carry plates or addresses, and the
/// others are credentials.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let metrics: ServerMetrics?

    public init(logger: Logger, metrics: ServerMetrics?) {
        self.logger = logger
        self.metrics = metrics
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = Self.sane(request.headers[.requestID]) ?? Self.newID()
        let start = ContinuousClock.now
        metrics?.inFlight.increment()
        defer { metrics?.inFlight.decrement() }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            response = Problem(.internalServerError, "Internal error", detail: "request \(id) failed").response
        }
        response.headers[.requestID] = id
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics?.record(route: route, method: request.method.rawValue, status: response.status.code, duration: duration)
        let ms = Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000
        logger.info(
            "request",
            metadata: [
                "request_id": .string(id), "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "route": .string(route), "status": .stringConvertible(response.status.code),
                "duration_ms": .string(String(format: "%.1f", ms)), "client": .string(Self.client(context) ?? "-"),
            ])
        return response
    }

    /// At most 64 of [A-Za-z0-9._-]: anything else could forge log lines or bloat them.
    static func sane(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.utf8.count <= 64,
            value.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D
            })
        else { return nil }
        return value
    }

    static func newID() -> String { UUID().uuidString.lowercased() }

    static func client(_ context: Context) -> String? {
        (context as? any ClientAddressProviding)?.clientAddressText
    }
}

/// A request context that knows its client's address (for logs): the peer, or the address a
/// trusted proxy forwarded for.
public protocol ClientAddressProviding {
    var clientAddressText: String? { get }
}

extension HTTPField.Name {
    public static var requestID: Self { .init("X-Request-Id")! }
}
