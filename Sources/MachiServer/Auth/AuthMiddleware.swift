import Foundation
import HTTPTypes
import Hummingbird
import MachiCore
import MachiHTTP

/// Sets `context.user` from `Authorization: Bearer <token>` or the session cookie, and
/// demands the CSRF token on state-changing requests that rely on the cookie (a bearer
/// token is never sent by a browser on its own, so it needs no CSRF proof).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = MachiRequestContext
    static let cookieName = "machigis_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    let accounts: Accounts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw Problem(.unauthorized, "Authentication failed", detail: "Authorization must be \"Bearer <token>\"")
            }
            guard let user = try accounts.user(bearer: String(parts[1])) else {
                throw Problem(.unauthorized, "Authentication failed", detail: "unknown or revoked token")
            }
            context.user = user
        } else if let id = request.cookies[Self.cookieName]?.value, let session = try accounts.session(id: id) {
            context.user = session.user
            context.viaSession = true
            if ![.get, .head, .options].contains(request.method) {
                guard let sent = request.headers[Self.csrfHeader], sent == session.csrfToken else {
                    throw Problem(.forbidden, "CSRF check failed", detail: "send the session's X-CSRF-Token header with this request")
                }
            }
        }
        return try await next(request, context)
    }
}
