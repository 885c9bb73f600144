import Foundation
public import HTTPTypes
public import Hummingbird
public import MachiCore

/// An RFC 9457 problem detail, sent as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// The query parameter, header or body field at fault, when there is one.
    public var parameter: String?
    /// Character offset of the mistake inside `parameter` (e.g. in a CQL2 filter).
    public var position: Int?
    public var extraHeaders: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, parameter: String? = nil, position: Int? = nil) {
        self.status = status
        self.title = title
        self.detail = detail
        self.parameter = parameter
        self.position = position
    }

    public static func badParameter(_ name: String, _ detail: String) -> Problem {
        Problem(.badRequest, "Invalid parameter", detail: "\(name): \(detail)", parameter: name)
    }

    public static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, "Not found", detail: detail)
    }

    public var json: String {
        var out = "{\"type\":\"about:blank\",\"title\":"
        GeoJSONWriter.escape(title, into: &out)
        out += ",\"status\":\(status.code),\"detail\":"
        GeoJSONWriter.escape(detail, into: &out)
        if let parameter {
            out += ",\"parameter\":"
            GeoJSONWriter.escape(parameter, into: &out)
        }
        if let position { out += ",\"position\":\(position)" }
        return out + "}"
    }

    public var response: Response {
        var headers = extraHeaders
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

/// Errors of the domain modules that are the caller's fault and have a precise problem.
public protocol ProblemConvertible: Error {
    var problem: Problem { get }
}

extension QueryParameterError: ProblemConvertible {
    public var problem: Problem { .badParameter(parameter, message) }
}

/// Turns every error into a problem document, so no client ever sees an HTML or empty
/// error, and no internal detail leaks in a 500. It must sit inside the CORS middleware:
/// CORS wraps thrown errors in its own type, which would hide the problem's body.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let p as Problem {
            return p.response
        } catch let e as HTTPError {
            let title = e.status.reasonPhrase
            let detail = e.body ?? (e.status == .notFound ? "no resource at \(request.uri.path)" : title)
            var p = Problem(e.status, title, detail: detail)
            p.extraHeaders = e.headers
            return p.response
        } catch let e as any ProblemConvertible {
            return e.problem.response
        } catch let e as any HTTPResponseError {
            let detail = e.status == .contentTooLarge ? "the request body is larger than this endpoint accepts" : e.status.reasonPhrase
            return Problem(e.status, e.status.reasonPhrase, detail: detail).response
        } catch {
            context.logger.error("unhandled error on \(request.uri.path): \(error)")
            return Problem(.internalServerError, "Internal error", detail: "the server could not answer; the error was logged").response
        }
    }
}
