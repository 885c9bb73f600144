import Foundation
import HTTPTypes
import Hummingbird
import MachiCore
import MachiHTTP

/// Web sign-in for staff pages: a session cookie (HttpOnly, SameSite=Strict, Secure behind
/// HTTPS) plus a CSRF token the page sends back in a header.
struct AuthRoutes: Sendable {
    let accounts: Accounts
    let throttle = LoginThrottle()

    func register(on router: Router<MachiRequestContext>) {
        let group = router.group("api/auth")
        group.post("login") { request, context in try await login(request, context) }
        group.post("logout") { request, context in try await logout(request, context) }
        group.get("me") { _, context in
            let user = try context.requireUser(roles: Set(Role.allCases))
            return Response.json("{\"name\":\(GeoJSONWriter.string(user.name)),\"role\":\"\(user.role.rawValue)\"}")
        }
    }

    func login(_ request: Request, _ context: MachiRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024)
        let fields = try Self.credentials(String(buffer: body), contentType: request.headers[.contentType])
        guard let name = fields["name"], !name.isEmpty else { throw Problem.badParameter("name", "required") }
        guard let password = fields["password"], !password.isEmpty else { throw Problem.badParameter("password", "required") }
        let keys = ["user:" + name, "addr:" + (context.remoteAddress ?? "?")]
        let audit = AuditLog(store: accounts.store)
        if let wait = throttle.retryAfter(keys) {
            try await audit.record(
                user: String(name.prefix(64)), action: "login_failed", detail: [("reason", "throttled".databaseValue)],
                client: context.remoteAddress)
            var p = Problem(.tooManyRequests, "Too many failed logins", detail: "try again in \(wait) s")
            p.extraHeaders[.retryAfter] = String(wait)
            throw p
        }
        guard let user = try accounts.verify(name: name, password: password) else {
            throttle.recordFailure(keys)
            try await audit.record(
                user: String(name.prefix(64)), action: "login_failed", detail: [("reason", "password".databaseValue)],
                client: context.remoteAddress)
            throw Problem(.unauthorized, "Login failed", detail: "wrong user name or password")
        }
        throttle.reset("user:" + name)
        let session = try accounts.createSession(for: user)
        try await audit.record(
            user: user.name, action: "login", detail: [("role", user.role.rawValue.databaseValue)], client: context.remoteAddress)
        var response = Response.json(
            "{\"name\":\(GeoJSONWriter.string(user.name)),\"role\":\"\(user.role.rawValue)\",\"csrf_token\":\"\(session.csrfToken)\"}")
        response.setCookie(
            Cookie(
                name: AuthMiddleware.cookieName, value: session.id, maxAge: Int(Accounts.sessionLifetime), path: "/",
                secure: Self.isHTTPS(request), httpOnly: true, sameSite: .strict))
        return response
    }

    func logout(_ request: Request, _ context: MachiRequestContext) async throws -> Response {
        if let id = request.cookies[AuthMiddleware.cookieName]?.value {
            let who = try accounts.session(id: id)?.user.name
            try accounts.endSession(id: id)
            if let who { try await AuditLog(store: accounts.store).record(user: who, action: "logout", client: context.remoteAddress) }
        }
        var response = Response(status: .noContent)
        response.setCookie(
            Cookie(
                name: AuthMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: Self.isHTTPS(request), httpOnly: true,
                sameSite: .strict))
        return response
    }

    /// Behind a TLS-terminating proxy the scheme arrives in X-Forwarded-Proto.
    static func isHTTPS(_ request: Request) -> Bool {
        request.uri.scheme == .https || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    /// Reads `name` and `password` from JSON or an HTML form post.
    static func credentials(_ body: String, contentType: String?) throws -> [String: String] {
        if contentType?.hasPrefix("application/x-www-form-urlencoded") == true {
            var out = [String: String]()
            for pair in body.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
                }
                if kv.count == 2 { out[kv[0]] = kv[1] }
            }
            return out
        }
        guard let data = body.data(using: .utf8), let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Problem(.badRequest, "Invalid body", detail: "expected a JSON object {\"name\": …, \"password\": …}")
        }
        var out = [String: String]()
        for key in ["name", "password"] {
            if let v = obj[key] {
                guard let s = v as? String else { throw Problem.badParameter(key, "must be a string") }
                out[key] = s
            }
        }
        return out
    }
}
