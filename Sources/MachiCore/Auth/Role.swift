/// Staff roles. Public users have none; `admin` may do everything.
public enum Role: String, Sendable, CaseIterable, Codable {
    case roadTraffic = "road_traffic"
    case election
    case sewerAdmin = "sewer_admin"
    case admin
}

/// A signed-in staff member, as the HTTP layer knows them.
public struct StaffUser: Sendable, Equatable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Whether the user holds one of `roles`; admins hold every role.
    public func has(anyOf roles: Set<Role>) -> Bool {
        role == .admin || roles.contains(role)
    }
}

extension LayerAccess {
    /// Whether a caller (nil = anonymous public) may read the layer.
    public func allows(_ user: StaffUser?) -> Bool {
        switch self {
        case .publicRead: return true
        case .roles(let names):
            guard let user else { return false }
            return user.role == .admin || names.contains(user.role.rawValue)
        }
    }
}
