import Foundation
import GRDB
import MachiTestSupport
import Testing

@testable import MachiCore

@Suite struct StoreCheckTests {
    /// A store with `n` pipes loaded through the importer (so the R*Tree is filled as in production).
    static func storeWithPipes(_ n: Int) throws -> TestEnvironment {
        let env = try TestEnvironment()
        let pipes = (0..<n).map { i in
            let (x, y) = (135.55 + Double(i % 50) * 0.0004, 34.76 + Double(i / 50) * 0.0004)
            return FixtureJSON.pipe("S-\(i)", coords: [(x, y), (x + 0.0002, y + 0.0002)])
        }
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: try env.write("p.geojson", FixtureJSON.collection(pipes)))
        #expect(r.committed && r.loaded == n)
        return env
    }

    @Test func backupWhileAnotherTaskWritesGivesACheckedCopyWithTheSameFeatures() async throws {
        let env = try Self.storeWithPipes(300)
        defer { env.cleanup() }
        let store = env.store
        let writer = Task.detached {
            var written = 0
            while !Task.isCancelled {
                try store.pool.write { db in
                    try db.execute(
                        sql: "INSERT INTO machi_audit (at, user, action) VALUES (?, 'test', 'write')", arguments: [Timestamp.now()])
                }
                written += 1
            }
            return written
        }
        // The backup starts once the writer is under way, so both run together.
        while try env.count("machi_audit") < 20 { try await Task.sleep(for: .milliseconds(5)) }
        let file = env.dir.appendingPathComponent("backups/copy.sqlite").path
        let results = try StoreCheck.backup(store, to: file)
        let afterBackup = try env.count("machi_audit")
        writer.cancel()
        let written = try await writer.value
        // The writer kept going until after the backup: the copy is a snapshot taken mid-stream.
        #expect(written >= afterBackup)

        #expect(results.allSatisfy { $0.ok })
        #expect(results.contains { $0.name == "spatial index idx_sewer_pipes_geom" && $0.detail == "300 entries" })
        #expect(StoreCheck.run(path: file).allSatisfy { $0.ok })
        let copy = try DatabaseQueue(path: file)
        defer { try? copy.close() }
        let counts = try await copy.read { db in
            [
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sewer_pipes"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM idx_sewer_pipes_geom"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM machi_audit"),
            ]
        }
        #expect(counts[0] == 300 && counts[1] == 300)
        #expect((20...afterBackup).contains(counts[2] ?? 0))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: env.dir.appendingPathComponent("backups").path)
        #expect(leftovers.filter { $0.contains("partial") }.isEmpty)
    }

    @Test func rtreeRowsDeletedAreRefusedByCheckAndRestoreAndTheStoreIsKept() throws {
        let env = try Self.storeWithPipes(50)
        defer { env.cleanup() }
        let file = env.dir.appendingPathComponent("copy.sqlite").path
        _ = try StoreCheck.backup(env.store, to: file)
        let copy = try DatabaseQueue(path: file)
        try copy.write { db in try db.execute(sql: "DELETE FROM idx_sewer_pipes_geom WHERE pkid % 5 = 0") }
        try copy.close()

        let results = StoreCheck.run(path: file)
        #expect(results.contains { $0.name == "spatial index idx_sewer_pipes_geom" && !$0.ok })
        let target = env.dir.appendingPathComponent("restored.sqlite").path
        try Data("previous".utf8).write(to: URL(fileURLWithPath: target))
        #expect {
            try StoreCheck.restore(from: file, to: target)
        } throws: { "\($0)".contains("spatial index idx_sewer_pipes_geom") }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "previous")
    }

    @Test func overwrittenBytesAreRefusedByCheckAndRestore() throws {
        let env = try Self.storeWithPipes(2000)
        defer { env.cleanup() }
        let file = env.dir.appendingPathComponent("copy.sqlite").path
        _ = try StoreCheck.backup(env.store, to: file)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let middle = bytes.count / 2 / 4096 * 4096
        bytes.replaceSubrange(middle..<(middle + 3 * 4096), with: Data(repeating: 0xA5, count: 3 * 4096))
        try bytes.write(to: URL(fileURLWithPath: file))

        let results = StoreCheck.run(path: file)
        #expect(results.contains { !$0.ok })
        let target = env.dir.appendingPathComponent("restored.sqlite").path
        #expect(throws: StoreError.self) { try StoreCheck.restore(from: file, to: target) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test func restoreReplacesTheStoreAndKeepsThePreviousOneAsBak() throws {
        let env = try Self.storeWithPipes(20)
        defer { env.cleanup() }
        let file = env.dir.appendingPathComponent("copy.sqlite").path
        _ = try StoreCheck.backup(env.store, to: file)
        let target = env.dir.appendingPathComponent("live/machigis.sqlite").path
        try FileManager.default.createDirectory(atPath: env.dir.appendingPathComponent("live").path, withIntermediateDirectories: true)
        try Data("previous".utf8).write(to: URL(fileURLWithPath: target))
        try Data("stale wal".utf8).write(to: URL(fileURLWithPath: target + "-wal"))
        try Data("stale shm".utf8).write(to: URL(fileURLWithPath: target + "-shm"))

        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-04T16:30:05Z"))
        let kept = try StoreCheck.restore(from: file, to: target, now: now)
        #expect(kept == target + ".bak-20261205T013005")
        #expect(try String(contentsOfFile: target + ".bak-20261205T013005", encoding: .utf8) == "previous")
        #expect(try String(contentsOfFile: target + ".bak-20261205T013005-wal", encoding: .utf8) == "stale wal")
        #expect(!FileManager.default.fileExists(atPath: target + "-shm"))
        #expect(StoreCheck.run(path: target).allSatisfy { $0.ok })
        let restored = try DatabaseQueue(path: target)
        defer { try? restored.close() }
        #expect(try restored.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sewer_pipes") } == 20)
    }

    @Test func checkOfAMissingOrNonDatabaseFileFails() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        #expect(StoreCheck.run(path: env.dir.appendingPathComponent("none.sqlite").path).first?.ok == false)
        let junk = try env.write("junk.sqlite", String(repeating: "not a database ", count: 500))
        #expect(StoreCheck.run(path: junk).contains { !$0.ok })
        #expect(StoreCheck.run(path: env.store.path).allSatisfy { $0.ok })
    }
}
