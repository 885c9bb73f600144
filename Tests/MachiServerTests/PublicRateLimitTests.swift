import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiServer
import MachiTestSupport
import Testing

@testable import MachiServer

/// Token buckets per client on expensive public requests.
@Suite struct PublicRateLimitTests {
    @Test func bucketsRefillAndAreKeptPerClient() {
        let limiter = PublicRateLimiter(rate: 2, burst: 3)
        for _ in 0..<3 { #expect(limiter.take("a", now: 10) == nil) }
        #expect(limiter.take("a", now: 10) == 0.5)
        #expect(limiter.take("b", now: 10) == nil)  // another client is unaffected
        #expect(limiter.take("a", now: 10.5) == nil)  // refilled one token
        #expect(limiter.take("a", now: 10.5) != nil)
    }

    @Test func theTableStaysBounded() {
        let limiter = PublicRateLimiter(rate: 1, burst: 10, capacity: 500)
        for i in 0..<10_000 { _ = limiter.take("client\(i)", now: Double(i) * 0.001) }
        #expect(limiter.count <= 500)
    }

    @Test func expensiveRequestsAreRecognised() {
        func expensive(_ uri: String) -> Bool {
            ExpensiveRequests.isExpensive(
                Request(head: .init(method: .get, scheme: "http", authority: "x", path: uri), body: .init(buffer: .init())))
        }
        #expect(expensive("/ogc/collections/sewer_pipes/items?limit=5000"))
        #expect(expensive("/ogc/collections/sewer_pipes/items?lim%69t=5000"))
        #expect(!expensive("/ogc/collections/sewer_pipes/items?limit=1000"))
        #expect(!expensive("/ogc/collections/sewer_pipes/items?limit=x"))
        #expect(!expensive("/ogc/collections/sewer_pipes/items"))
        #expect(expensive("/tiles/sewer_pipes/10/898/403.mvt"))
        #expect(expensive("/tiles/sewer_pipes/14/14378/6451.mvt"))
        #expect(!expensive("/tiles/sewer_pipes/15/28723/13004.mvt"))
        #expect(!expensive("/tiles/sewer_pipes.json"))
        #expect(!expensive("/api/sewer/search?q=1"))
    }

    @Test func aBurstThenTooManyRequestsWithRetryAfter() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let token = try Accounts(store: env.store).createToken(
            name: try { () throws -> String in
                var a = Accounts(store: env.store)
                a.bcryptCost = 4
                _ = try a.addUser(name: "admin1", role: .admin)
                return "admin1"
            }())
        var options = ServerOptions()
        options.publicRate = 0.01
        options.publicBurst = 3
        try await Application(router: try MachiServer.router(store: env.store, options: options)).test(.router) { client in
            let lowZoom = "/tiles/sewer_pipes/10/898/403.mvt"
            for _ in 0..<3 { #expect(try await client.execute(uri: lowZoom, method: .get).status != .tooManyRequests) }
            let r = try await client.execute(uri: "/ogc/collections/sewer_pipes/items?limit=2000", method: .get)
            #expect(r.status == .tooManyRequests)
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(Int(r.headers[.retryAfter] ?? "") ?? 0 >= 1)
            // Cheap requests still go through, and staff are exempt.
            #expect(try await client.execute(uri: "/tiles/sewer_pipes/15/28723/13004.mvt", method: .get).status != .tooManyRequests)
            #expect(try await client.execute(uri: "/ogc/collections/sewer_pipes/items?limit=10", method: .get).status == .ok)
            let staff = try await client.execute(uri: lowZoom, method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(staff.status != .tooManyRequests)
        }
    }
}
