import HTTPTypes
public import Hummingbird

/// Lets scripts on other sites read response headers beyond the CORS-safelisted ones.
/// Hummingbird's CORS middleware sends `Access-Control-Expose-Headers` only on preflight
/// answers, but browsers read it from the actual response.
public struct ExposeHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let value: String

    public init(_ names: [String]) { value = names.joined(separator: ", ") }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if request.headers[.origin] != nil { response.headers[.accessControlExposeHeaders] = value }
        return response
    }
}
