public import Hummingbird

/// Refuses invalid request paths (400) and sends non-canonical ones to their canonical
/// spelling (308 for GET/HEAD, 400 otherwise), before any routing, file serving or policy
/// sees them; `RequestPath` lists the rules. Sits inside the problem middleware so its
/// refusals are problem documents with the usual CORS and cache headers.
public struct CanonicalPathMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch RequestPath.check(request.uri.path) {
        case .canonical:
            return try await next(request, context)
        case .invalid(let reason):
            throw Problem(.badRequest, "Invalid path", detail: "path: \(reason)", parameter: "path")
        case .nonCanonical(let canonical):
            // The canonical path starts with exactly one "/" and has no raw "\", so the
            // Location can only name this server (no open redirect).
            let location = canonical + (request.uri.query.map { "?" + $0 } ?? "")
            guard request.method == .get || request.method == .head else {
                throw Problem(.badRequest, "Invalid path", detail: "path: not in canonical form; use \(canonical)", parameter: "path")
            }
            return Response(status: .permanentRedirect, headers: [.location: location])
        }
    }
}
