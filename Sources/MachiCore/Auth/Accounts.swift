import Crypto
public import Foundation
import GRDB
import HummingbirdBcrypt

public struct AccountError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// Staff accounts, API tokens and web sessions. Passwords are stored as bcrypt hashes;
/// tokens and session ids are random 256-bit secrets stored only as SHA-256 hashes, so a
/// copy of the database does not hand out working credentials.
public struct Accounts: Sendable {
    public let store: Store
    /// bcrypt cost: 2^cost rounds. 11 keeps a login near 0.15 s on this class of machine.
    public var bcryptCost: UInt8 = 11
    public static let sessionLifetime: TimeInterval = 8 * 3600
    /// Who makes account changes, for the audit log (the operator's login name on the CLI).
    public var actor = "cli"

    public init(store: Store) { self.store = store }

    static func validName(_ name: String) -> Bool {
        name.range(of: "^[a-z0-9][a-z0-9._-]{0,63}$", options: .regularExpression) != nil
    }

    /// Creates an account and returns its one-time password (shown once, never stored).
    public func addUser(name: String, role: Role) throws -> String {
        guard Self.validName(name) else { throw AccountError("user name must be 1–64 of a-z 0-9 . _ - (starting with a letter or digit)") }
        let password = Self.randomPassword()
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        try store.pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM machi_users WHERE name = ?", arguments: [name]) == 0 else {
                throw AccountError("user \(name) already exists")
            }
            try db.execute(
                sql: "INSERT INTO machi_users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [name, role.rawValue, hash, Timestamp.now()])
            try AuditLog.record(db, user: actor, action: "user_add", target: name, detail: [("role", role.rawValue.databaseValue)])
        }
        return password
    }

    /// Issues a new API token for an existing user and returns it (shown once).
    public func createToken(name: String) throws -> String {
        let token = "mgt_" + Self.randomSecret()
        try store.pool.write { db in
            try Self.requireUser(db, name)
            try db.execute(
                sql: "INSERT INTO machi_tokens (hash, user, created_at) VALUES (?, ?, ?)",
                arguments: [Self.digest(token), name, Timestamp.now()])
            try AuditLog.record(db, user: actor, action: "token_create", target: name)
        }
        return token
    }

    /// Revokes every API token of a user and returns how many there were. Tokens are not
    /// named, so a leaked one is stopped by revoking all and issuing a new one.
    public func revokeTokens(name: String) throws -> Int {
        try store.pool.write { db in
            try Self.requireUser(db, name)
            try db.execute(sql: "DELETE FROM machi_tokens WHERE user = ?", arguments: [name])
            let revoked = db.changesCount
            try AuditLog.record(db, user: actor, action: "token_revoke", target: name, detail: [("revoked", revoked.databaseValue)])
            return revoked
        }
    }

    /// Disables or re-enables an account; returns false when it already was in that state.
    /// Disabling ends the user's sessions at once (a later enable does not bring them back);
    /// the user's tokens are refused while disabled and work again after enable unless revoked.
    @discardableResult
    public func setDisabled(name: String, _ disabled: Bool) throws -> Bool {
        try store.pool.write { db in
            try Self.requireUser(db, name)
            try db.execute(
                sql: "UPDATE machi_users SET disabled = ? WHERE name = ? AND disabled <> ?", arguments: [disabled, name, disabled])
            let changed = db.changesCount > 0
            if changed { try AuditLog.record(db, user: actor, action: disabled ? "user_disable" : "user_enable", target: name) }
            if disabled { try db.execute(sql: "DELETE FROM machi_sessions WHERE user = ?", arguments: [name]) }
            return changed
        }
    }

    static func requireUser(_ db: Database, _ name: String) throws {
        guard try Int.fetchOne(db, sql: "SELECT count(*) FROM machi_users WHERE name = ?", arguments: [name]) == 1 else {
            throw AccountError("no user \(name); create it with: machigis user add \(name) --role ROLE")
        }
    }

    public func user(bearer token: String) throws -> StaffUser? {
        guard token.hasPrefix("mgt_"), token.count < 200 else { return nil }
        return try store.pool.read { db in
            try Self.staffUser(
                try Row.fetchOne(
                    db,
                    sql:
                        "SELECT u.name, u.role FROM machi_tokens t JOIN machi_users u ON u.name = t.user WHERE t.hash = ? AND u.disabled = 0",
                    arguments: [Self.digest(token)]))
        }
    }

    /// Checks a password; nil when the user does not exist, is disabled or the password is wrong.
    public func verify(name: String, password: String) throws -> StaffUser? {
        guard password.utf8.count <= 256 else { return nil }
        let row = try store.pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT name, role, password_hash FROM machi_users WHERE name = ? AND disabled = 0", arguments: [name])
        }
        guard let row else {
            // Spend the same time as a real check, so response times don't reveal which names exist.
            _ = Bcrypt.verify(password, hash: Self.dummyHash)
            return nil
        }
        guard Bcrypt.verify(password, hash: row["password_hash"]) else { return nil }
        return try Self.staffUser(row)
    }

    public struct Session: Sendable {
        public var id: String
        public var csrfToken: String
        public var user: StaffUser
    }

    public func createSession(for user: StaffUser) throws -> Session {
        let id = Self.randomSecret()
        let csrf = Self.randomSecret()
        let expires = Date().addingTimeInterval(Self.sessionLifetime).timeIntervalSince1970
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM machi_sessions WHERE expires_at < ?", arguments: [Date().timeIntervalSince1970])
            try db.execute(
                sql: "INSERT INTO machi_sessions (hash, user, csrf, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [Self.digest(id), user.name, csrf, expires])
        }
        return Session(id: id, csrfToken: csrf, user: user)
    }

    public func session(id: String) throws -> Session? {
        guard id.count < 200 else { return nil }
        return try store.pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT u.name, u.role, s.csrf FROM machi_sessions s JOIN machi_users u ON u.name = s.user
                        WHERE s.hash = ? AND s.expires_at > ? AND u.disabled = 0
                        """, arguments: [Self.digest(id), Date().timeIntervalSince1970]),
                let user = try Self.staffUser(row)
            else { return nil }
            return Session(id: id, csrfToken: row["csrf"], user: user)
        }
    }

    public func endSession(id: String) throws {
        try store.pool.write { db in try db.execute(sql: "DELETE FROM machi_sessions WHERE hash = ?", arguments: [Self.digest(id)]) }
    }

    static func staffUser(_ row: Row?) throws -> StaffUser? {
        guard let row, let role = Role(rawValue: row["role"]) else { return nil }
        return StaffUser(name: row["name"], role: role)
    }

    static func digest(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func randomSecret() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I): ~115 bits.
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &g)] })
    }

    static let dummyHash = Bcrypt.hash("not a password", cost: 11)
}
