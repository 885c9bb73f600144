import HTTPTypes
import Hummingbird
import Logging
import MachiHTTP

/// Sets `context.clientAddress` once, outermost, so every later middleware, route and log
/// line sees the same client (`ClientAddress.resolve` explains the trust rules).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = MachiRequestContext
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    let trustedProxies: [IPNetwork]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if !trustedProxies.isEmpty {
            context.clientAddress = ClientAddress.resolve(
                peer: context.remoteAddress, forwardedFor: request.headers[values: Self.forwardedFor], trusted: trustedProxies)
        }
        if let client = context.clientAddress { context.logger[metadataKey: "client"] = "\(client)" }
        return try await next(request, context)
    }
}
