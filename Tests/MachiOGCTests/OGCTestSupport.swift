import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiGeometry
import MachiServer
import MachiTestSupport
import Synchronization
import Testing

/// The whole server router (with authentication) on a test store, driven in process.
func withApp(_ env: TestEnvironment, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    let app = Application(responder: try responder(env))
    try await app.test(.router, body)
}

/// One router per store: building one runs schema migrations behind a pool barrier, which
/// waits for every reader; many of those in parallel tests on two cores starve GRDB's
/// Dispatch queues, so each store's router is built once and shared.
private let responders = Mutex<[String: RouterResponder<MachiRequestContext>]>([:])

func responder(_ env: TestEnvironment) throws -> RouterResponder<MachiRequestContext> {
    if let r = responders.withLock({ $0[env.dir.path] }) { return r }
    var options = ServerOptions()
    options.webRoot = TestEnvironment.repoRoot.appendingPathComponent("web").path
    let r = try MachiServer.router(store: env.store, options: options).buildResponder()
    responders.withLock { $0[env.dir.path] = r }
    return r
}

func json(_ r: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any], "\(String(buffer: r.body).prefix(300))")
}

extension TestClientProtocol {
    func get(_ uri: String, _ headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers, body: nil)
    }
}

/// Stored geometries in lon/lat, for checking what the API returns.
func lonLat(_ env: TestEnvironment, _ layer: String, where condition: String = "1 = 1") throws -> [(String, Geometry, Geometry)] {
    let key = try env.store.layer(layer).key ?? "fid"
    return try env.store.pool.read { db in
        try Row.fetchAll(db, sql: "SELECT \(key), geom FROM \(layer) WHERE \(condition) ORDER BY fid").map { row in
            let plane = try SpatiaLiteBlob.decode(Array(row["geom"] as Data)).geometry
            return (row[0] as String, plane, try env.store.toLonLat.transform(plane))
        }
    }
}

/// A scratch store with the test-only staff layer `test_areas` (admin only) holding two
/// multipolygons with holes, and a token for each of two staff roles.
struct StaffFixture: Sendable {
    let env: TestEnvironment
    let adminToken: String
    let roadToken: String

    static func make() throws -> StaffFixture {
        let env = try TestEnvironment(extraLayers: true)
        let areas = """
            {"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"area_no":"A-1","name":"穴あき区域"},"geometry":{"type":"MultiPolygon","coordinates":[
              [[[135.560,34.770],[135.564,34.770],[135.564,34.774],[135.560,34.774],[135.560,34.770]],
               [[135.561,34.771],[135.561,34.773],[135.563,34.773],[135.563,34.771],[135.561,34.771]]],
              [[[135.566,34.770],[135.567,34.770],[135.567,34.771],[135.566,34.771],[135.566,34.770]]]]}},
            {"type":"Feature","properties":{"area_no":"A-2","name":"北区域"},"geometry":{"type":"MultiPolygon","coordinates":[
              [[[135.570,34.780],[135.572,34.780],[135.572,34.782],[135.570,34.782],[135.570,34.780]]]]}}
            ]}
            """
        let r = try Importer(store: env.store).run(layer: "test_areas", path: try env.write("areas.geojson", areas))
        guard r.committed else { throw StoreError("test areas did not load: \(r.issues)") }
        let pipes = FixtureJSON.collection([
            FixtureJSON.pipe("P-1", coords: [(135.5600, 34.7700), (135.5610, 34.7705)]),
            FixtureJSON.pipe("P-2", system: "雨水", coords: [(135.5650, 34.7720), (135.5660, 34.7722)]),
        ])
        let p = try Importer(store: env.store).run(layer: "sewer_pipes", path: try env.write("pipes.geojson", pipes))
        guard p.committed else { throw StoreError("pipes did not load: \(p.issues)") }
        var accounts = Accounts(store: env.store)
        accounts.bcryptCost = 4
        _ = try accounts.addUser(name: "kanri", role: .admin)
        _ = try accounts.addUser(name: "douro", role: .roadTraffic)
        return StaffFixture(
            env: env, adminToken: try accounts.createToken(name: "kanri"), roadToken: try accounts.createToken(name: "douro"))
    }

    func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
}

/// A synchronous read. GRDB's async read waits for a Dispatch worker, and on a 2-core machine
/// those can all be blocked by parallel tests building routers (schema migrations take a
/// barrier that waits for readers): the synchronous form runs on the caller's thread.
func syncRead<T>(_ env: TestEnvironment, _ body: (Database) throws -> T) throws -> T {
    try env.store.pool.read(body)
}
