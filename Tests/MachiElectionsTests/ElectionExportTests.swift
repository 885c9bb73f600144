import Foundation
import MachiCore
import MachiElections
import Testing

/// `machigis elections export`: what the CLI hands to the office, checked without a process.
@Suite struct ElectionExportTests {
    func prepared() throws -> ElectionEnvironment {
        let env = try ElectionEnvironment.withHandDistricts()
        let csv = """
            \(HandFixture.header),時刻
            1,1000,1000,2000,100,120,220,100,140,240,,,,11時
            2,9800,10200,20000,900,1000,1900,2900,3000,5900,,,,11時
            1,1000,1000,2000,400,450,850,100,140,240,3,2,5,確定

            """
        let r = try env.importTurnout("e1", csv)
        guard r.committed else { throw StoreError("fixture: \(r.issues)") }
        return env
    }

    /// `--at 11時` as the CSV wrote it, like the API's `at=11時`.
    @Test(arguments: ["11時", "11:00", "１１：００", "11時00分"])
    func exportTakesTheTimesTheCSVTakes(_ at: String) throws {
        let env = try prepared()
        defer { env.cleanup() }
        var options = TurnoutMapOptions()
        options.time = at
        let out = env.dir.appendingPathComponent("interim.geojson").path
        let bytes = try env.office.export("e1", compare: nil, options: options, to: out)
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        #expect(data.count == bytes)
        let body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(body["time"] as? String == "11:00")
    }

    @Test func anUnknownTimeNamesTheOption() throws {
        let env = try prepared()
        defer { env.cleanup() }
        var options = TurnoutMapOptions()
        options.time = "noon"
        let e = #expect(throws: ElectionError.self) {
            try env.office.export("e1", compare: nil, options: options, to: env.dir.appendingPathComponent("x.geojson").path)
        }
        #expect(e?.description == "at: \"noon\" is not a time (HH:MM, 11時) or 確定")
    }

    @Test func aMissingDirectoryIsNamed() throws {
        let env = try prepared()
        defer { env.cleanup() }
        let dir = env.dir.appendingPathComponent("no-such-dir").path
        let e = #expect(throws: ElectionError.self) {
            try env.office.export("e1", compare: nil, options: TurnoutMapOptions(), to: dir + "/turnout.geojson")
        }
        #expect(e?.description == "--out: cannot write \(dir)/turnout.geojson: directory \(dir) does not exist")
        let asFile = #expect(throws: ElectionError.self) {
            try env.office.export("e1", compare: nil, options: TurnoutMapOptions(), to: env.dir.path)
        }
        #expect(asFile?.description == "--out: cannot write \(env.dir.path): it is a directory; give a file name")
    }
}
