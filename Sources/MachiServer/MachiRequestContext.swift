public import Hummingbird
public import MachiCore
public import MachiHTTP
import NIOCore

/// Request context of every MachiGIS route: who is calling (set by the authentication
/// middleware from a session cookie or a bearer token) and from where.
public struct MachiRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// nil for the anonymous public.
    public var user: StaffUser?
    /// TCP peer address ("127.0.0.1"): a proxy's address when behind one.
    public let remoteAddress: String?
    /// The client's address, for rate limits, login throttling and logs: the peer, or what
    /// a trusted proxy says in X-Forwarded-For (set by `ClientAddressMiddleware`, the one
    /// place that decides; see `ClientAddress.resolve`). nil only for in-process tests.
    public internal(set) var clientAddress: IPAddress?
    /// Whether the caller came in through a session cookie (then state changes need CSRF proof).
    public var viaSession = false

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
        clientAddress = remoteAddress.flatMap(IPAddress.init)
    }

    /// Requests carry GeoJSON case reports, not uploads: keep bodies small.
    public var maxUploadSize: Int { 256 * 1024 }

    /// The caller, when they hold one of `roles`: 401 when not signed in, 403 otherwise.
    public func requireUser(roles: Set<Role>) throws -> StaffUser {
        guard let user else {
            var p = Problem(.unauthorized, "Authentication required", detail: "sign in or send Authorization: Bearer <token>")
            p.extraHeaders[.wwwAuthenticate] = "Bearer realm=\"MachiGIS\""
            throw p
        }
        guard user.has(anyOf: roles) else {
            throw Problem(
                .forbidden, "Forbidden",
                detail: "role \(user.role.rawValue) may not do this; needs \(roles.map(\.rawValue).sorted().joined(separator: " or "))")
        }
        return user
    }
}

extension MachiRequestContext: ClientAddressProviding {
    public var clientAddressText: String? { clientAddress?.description }
}
