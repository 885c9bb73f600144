import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiParking
import MachiServer
import MachiTestSupport
import Testing

/// Staff actions land in machi_audit with who, when (+09:00), what and from where, and
/// `machigis audit` prints them.
@Suite struct AuditLogTests {
    let staff = StaffAccessTests()

    func entries(_ env: TestEnvironment, action: String? = nil) throws -> [AuditEntry] {
        try AuditLog(store: env.store).entries(since: Date(timeIntervalSinceNow: -3600), action: action)
    }

    @Test func loginsCaseChangesAndExportsAreRecorded() async throws {
        let f = try staff.fixture()
        defer { f.env.cleanup() }
        try await staff.withApp(f) { client in
            let bad = try await client.execute(
                uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"traffic1","password":"wrong"}"#))
            #expect(bad.status == .unauthorized)
            let login = try await client.execute(
                uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"traffic1","password":"\#(f.trafficPassword)"}"#))
            #expect(login.status == .ok)
            let cookie = String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
            let csrf = try #require(try staff.json(login)["csrf_token"] as? String)
            let token: HTTPFields = [.authorization: "Bearer \(f.trafficToken)"]
            let created = try await client.execute(
                uri: "/api/parking/incidents", method: .post, headers: token, body: StaffAccessTests.caseBody)
            let id = try #require(try staff.json(created)["id"] as? String)
            var patch = token
            patch[.ifMatch] = "\"v1\""
            let patched = try await client.execute(
                uri: "/api/parking/incidents/\(id)", method: .patch, headers: patch,
                body: ByteBuffer(string: #"{"properties":{"status":"in_progress","notes":"確認中"}}"#))
            #expect(patched.status == .ok)
            #expect(
                try await client.execute(uri: "/api/parking/export?format=csv&from=2026-01-01", method: .get, headers: token).status == .ok)
            let logout = try await client.execute(
                uri: "/api/auth/logout", method: .post, headers: [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: csrf])
            #expect(logout.status == .noContent)
        }
        let log = try entries(f.env).filter { !["user_add", "token_create"].contains($0.action) }
        #expect(log.map(\.action) == ["login_failed", "login", "case_create", "case_update", "export", "logout"])
        // The in-process test router has no peer address; a served request records it.
        #expect(log.allSatisfy { $0.user == "traffic1" && $0.at.hasSuffix("+09:00") })
        #expect(log[0].detail == #"{"reason":"password"}"#)
        #expect(log[2].target == log[3].target)
        #expect(log[3].detail == #"{"fields":"notes,status","version":2}"#)
        #expect(log[4].detail.contains(#""query":"format=csv&from=2026-01-01""#))
    }

    @Test func accountChangesPurgesAndPublishingAreRecorded() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        var accounts = Accounts(store: env.store)
        accounts.bcryptCost = 4
        accounts.actor = "operator1"
        _ = try accounts.addUser(name: "a1", role: .election)
        _ = try accounts.createToken(name: "a1")
        _ = try accounts.revokeTokens(name: "a1")
        _ = try accounts.setDisabled(name: "a1", true)
        _ = try accounts.setDisabled(name: "a1", true)  // no change, no entry
        _ = try ParkingCases(store: env.store).purge(before: Date(), user: "operator1")
        let log = try entries(env)
        #expect(log.map(\.action) == ["user_add", "token_create", "token_revoke", "user_disable", "case_purge"])
        #expect(log.allSatisfy { $0.user == "operator1" && $0.client == nil })
        #expect(log[0].detail == #"{"role":"election"}"#)
        #expect(log[2].detail == #"{"revoked":1}"#)
        #expect(log[4].detail == #"{"purged":0}"#)
    }

    @Test func queryFiltersAndFormats() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let audit = AuditLog(store: env.store)
        let day = 86400.0
        let dec1 = try #require(DateParsing.date("2026-12-01"))
        try audit.pool.write { db in
            try AuditLog.record(db, user: "u1", action: "login", client: "10.0.0.1", at: dec1.addingTimeInterval(-1))
            try AuditLog.record(
                db, user: "u1", action: "plate_lookup", target: "大阪1", detail: [("results", 2.databaseValue)], client: "10.0.0.1", at: dec1)
            try AuditLog.record(db, user: "u2", action: "login", client: "10.0.0.2", at: dec1.addingTimeInterval(day))
            try AuditLog.record(
                db, user: "u2", action: "export", detail: [("query", "a,\"b\"".databaseValue)], at: dec1.addingTimeInterval(2 * day))
        }
        #expect(try audit.entries(since: dec1).map(\.action) == ["plate_lookup", "login", "export"])
        #expect(try audit.entries(since: dec1, until: dec1.addingTimeInterval(2 * day)).count == 2)
        #expect(try audit.entries(since: dec1, user: "u2").count == 2)
        #expect(try audit.entries(since: dec1, user: "u2", action: "login").map(\.at) == ["2026-12-02T00:00:00+09:00"])
        let some = try audit.entries(since: dec1, until: dec1.addingTimeInterval(day + 1))
        #expect(
            AuditFormat.text.render(some)
                == "2026-12-01T00:00:00+09:00\tu1\tplate_lookup\t大阪1\t10.0.0.1\t{\"results\":2}\n2026-12-02T00:00:00+09:00\tu2\tlogin\t-\t10.0.0.2\t{}\n"
        )
        let json = try JSONSerialization.jsonObject(with: Data(AuditFormat.json.render(some).utf8)) as? [[String: Any]]
        #expect(json?.count == 2)
        #expect((json?[0]["detail"] as? [String: Any])?["results"] as? Int == 2)
        #expect(json?[1]["target"] as? String == "")
        let csv = AuditFormat.csv.render(try audit.entries(since: dec1, action: "export"))
        #expect(
            csv
                == "at,user,action,target,client,detail\r\n2026-12-03T00:00:00+09:00,u2,export,,,\"{\"\"query\"\":\"\"a,\\\"\"b\\\"\"\"\"}\"\r\n"
        )
    }

    /// The command itself, run as an operator would.
    @Test func auditCommandPrintsTheLog() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let dec1 = try #require(DateParsing.date("2026-12-01"))
        try env.store.pool.write { db in
            try AuditLog.record(db, user: "u1", action: "login", client: "10.0.0.1", at: dec1.addingTimeInterval(3600))
            try AuditLog.record(db, user: "u2", action: "login", client: "10.0.0.2", at: dec1.addingTimeInterval(90000))
        }
        let out = try CommandLineTool.run([
            "audit", "--since", "2026-12-01", "--until", "2026-12-01", "--format", "csv", "--db", env.store.path, "--layers",
            env.dir.appendingPathComponent("layers").path,
        ])
        #expect(out.status == 0)
        #expect(out.stdout == "at,user,action,target,client,detail\r\n2026-12-01T01:00:00+09:00,u1,login,,10.0.0.1,{}\r\n")
        let bad = try CommandLineTool.run([
            "audit", "--since", "yesterday", "--db", env.store.path, "--layers", env.dir.appendingPathComponent("layers").path,
        ])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--since"))
    }
}
