import Foundation
import GRDB
import MachiCore
import MachiElections
import Testing

/// The office's tables: created once, recorded beside the core's migrations, and safe to
/// set up from many routers at once on a store that is busy reading.
@Suite struct ElectionSchemaTests {
    @Test func coexistsWithTheCoreMigratorAcrossReopening() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try env.office.registry.add(id: "e", name: "選挙", date: "2025-01-01")
        // Reopening runs the core migrator, which must accept the office's id in grdb_migrations.
        let again = try Store(path: env.store.path, catalog: env.store.catalog)
        let office = try ElectionOffice(store: again)
        #expect(try office.registry.election("e")?.name == "選挙")
        let ids = try again.pool.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(ids.contains("elections-v1") && ids.contains("v1-core"))
    }

    @Test func concurrentFirstUseWhileReadersAreBusy() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("machigis-schema-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(
            path: dir.appendingPathComponent("s.sqlite").path,
            catalog: try LayerCatalog.load(directory: ElectionEnvironment.repoLayers.path))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<16 {
                group.addTask {
                    if i % 2 == 0 { _ = try ElectionOffice(store: store) } else { _ = try Self.count(store, "sqlite_master") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try Self.count(store, "grdb_migrations WHERE identifier = 'elections-v1'") == 1)
    }

    /// Synchronous, as the server's handlers read: GRDB's async reads hold a reader across
    /// suspension points, which is not what this test is about.
    static func count(_ store: Store, _ from: String) throws -> Int? {
        try store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(from)") }
    }
}
