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
        try Self.refuseCrossSite(request)
        guard Self.isJSON(request.headers[.contentType]) else {
            throw Problem(
                .unsupportedMediaType, "Unsupported media type",
                detail: "send the credentials as Content-Type: application/json {\"name\": …, \"password\": …}", parameter: "Content-Type")
        }
        let body = try await request.body.collect(upTo: 16 * 1024)
        let fields = try Self.credentials(String(buffer: body))
        guard let name = fields["name"], !name.isEmpty else { throw Problem.badParameter("name", "required") }
        guard name.count <= 64 else { throw Problem.badParameter("name", "at most 64 characters") }
        guard let password = fields["password"], !password.isEmpty else { throw Problem.badParameter("password", "required") }
        let audit = AuditLog(store: accounts.store)
        let attempt: LoginThrottle.Attempt
        switch throttle.begin(account: name, address: context.clientAddress) {
        case .success(let a): attempt = a
        case .failure(let wait):
            try await audit.record(
                user: name, action: "login_failed", detail: [("reason", "throttled".databaseValue)],
                client: context.clientAddress?.description)
            var p = Problem(.tooManyRequests, "Too many failed logins", detail: "try again in \(wait.retryAfter) s")
            p.extraHeaders[.retryAfter] = String(wait.retryAfter)
            throw p
        }
        guard let user = try accounts.verify(name: name, password: password) else {
            try await audit.record(
                user: name, action: "login_failed", detail: [("reason", "password".databaseValue)],
                client: context.clientAddress?.description)
            throw Problem(.unauthorized, "Login failed", detail: "wrong user name or password")
        }
        throttle.succeeded(attempt)
        let session = try accounts.createSession(for: user)
        try await audit.record(
            user: user.name, action: "login", detail: [("role", user.role.rawValue.databaseValue)],
            client: context.clientAddress?.description)
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
            if let who {
                try await AuditLog(store: accounts.store).record(user: who, action: "logout", client: context.clientAddress?.description)
            }
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

    /// Only JSON: an HTML form (urlencoded, multipart or text/plain) can post those
    /// cross-site without a CORS preflight, which is how a login CSRF signs a victim into
    /// the attacker's account.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let type = contentType?.split(separator: ";", maxSplits: 1).first else { return false }
        return type.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    /// Refuses a login from a page on another site: `Sec-Fetch-Site: cross-site`, or an
    /// `Origin` other than this server's own. Requests without either (curl, scripts) pass;
    /// browsers send Origin on every POST.
    ///
    /// The own origin is taken from the Host header (HTTP/1) or :authority and compared by host and port only: the
    /// scheme is not reliable behind a TLS proxy that omits X-Forwarded-Proto, and a page on
    /// the same host and port is this server. Hook: when `serve --public-url` is configured,
    /// pass its origin as `publicOrigin` (behind a proxy that rewrites Host it is required).
    static func refuseCrossSite(_ request: Request, publicOrigin: String? = nil) throws {
        if request.headers[secFetchSite]?.lowercased() == "cross-site" {
            throw Problem(
                .forbidden, "Cross-site login refused", detail: "sign in from this server's own page", parameter: "Sec-Fetch-Site")
        }
        guard let origin = request.headers[.origin] else { return }
        var allowed = [String]()
        if let host = request.head.authority { allowed.append(host.lowercased()) }
        if let publicOrigin, let host = authority(ofOrigin: publicOrigin) { allowed.append(host) }
        guard let sent = authority(ofOrigin: origin), allowed.contains(sent) else {
            throw Problem(
                .forbidden, "Cross-site login refused", detail: "Origin \(origin.prefix(100)) is not this server", parameter: "Origin")
        }
    }

    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// "https://Example.org:8443" → "example.org:8443"; nil for "null" or anything else.
    static func authority(ofOrigin origin: String) -> String? {
        let parts = origin.lowercased().split(separator: "://", maxSplits: 1)
        guard parts.count == 2, parts[0] == "http" || parts[0] == "https", !parts[1].isEmpty, !parts[1].contains("/") else { return nil }
        return String(parts[1])
    }

    /// Reads `name` and `password` from a JSON object.
    static func credentials(_ body: String) throws -> [String: String] {
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
