import HTTPTypes
import Hummingbird
import MachiHTTP

/// Marks every answer under the staff paths `Cache-Control: private, no-store`: plates, case
/// lists and CSRF tokens must not stay in a shared cache or on a phone's disk after the
/// session ends. It sits outside the problem middleware, so it also sees the answers made
/// from errors before routing (a revoked token's 401, a CSRF 403, a 413, an unknown path,
/// a refused or redirected non-canonical path).
struct NoStoreMiddleware<Context: RequestContext>: RouterMiddleware {
    static var value: String { "private, no-store" }
    let prefixes: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        // The normalised path: what the router matched, whatever the spelling (`//api/…`,
        // `/api/./auth/me`, `%61pi`); an invalid path is refused before routing but its 400
        // gets the header too.
        let path = RequestPath.normalised(request.uri.path) ?? request.uri.path
        if prefixes.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) { response.headers[.cacheControl] = Self.value }
        return response
    }
}
