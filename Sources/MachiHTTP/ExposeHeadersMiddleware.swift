import HTTPTypes
public import Hummingbird

/// CORS headers on every answer, not only on those to requests that carry `Origin`: the
/// public answers are cacheable, and a copy stored for a same-site request must serve a
/// script on another site too. Also lets those scripts read response headers beyond the
/// CORS-safelisted ones (Hummingbird's CORS middleware exposes them only on preflights).
/// No credentials are allowed cross-site, so staff answers stay unreadable there.
public struct ExposeHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let value: String

    public init(_ names: [String]) { value = names.joined(separator: ", ") }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if response.headers[.accessControlAllowOrigin] == nil { response.headers[.accessControlAllowOrigin] = "*" }
        response.headers[.accessControlExposeHeaders] = value
        return response
    }
}
