import Foundation
import MachiGeometry
import Testing

@testable import MachiFormats

private let ogr2ogrPath: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/ogr2ogr" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

private let jgd2011Zone9WKT =
    #"PROJCS["JGD2011 / Japan Plane Rectangular CS IX",GEOGCS["JGD2011",DATUM["Japanese_Geodetic_Datum_2011","#
    + #"SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],"#
    + #"PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",36],PARAMETER["central_meridian",139.833333333333],"#
    + #"PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1]]"#

@Suite struct ShapefileReaderTests {
    let dir: TemporaryDirectory

    init() throws {
        dir = try TemporaryDirectory()
    }

    /// Writes `features` with ShapefileWriter and returns the .shp path.
    @discardableResult
    private func writeShapefile(
        _ name: String, _ type: ShapefileShapeType, fields: [DBFField], encoding: TextEncoding = .utf8, prj: String? = nil,
        writesCPG: Bool = true, languageDriverID: UInt8? = nil, _ features: [(Geometry?, [FieldValue])]
    ) throws -> String {
        let path = dir.file(name + ".shp")
        let writer = try ShapefileWriter(
            path: path, shapeType: type, fields: fields, encoding: encoding, prj: prj, writesCPG: writesCPG,
            languageDriverID: languageDriverID)
        for (geometry, values) in features { try writer.write(geometry, values) }
        try writer.close()
        return path
    }

    /// A counter-clockwise square, as RFC 7946 wants outer rings.
    private func square(_ x0: Double, _ y0: Double, _ size: Double) -> [Position] {
        [Position(x0, y0), Position(x0 + size, y0), Position(x0 + size, y0 + size), Position(x0, y0 + size), Position(x0, y0)]
    }

    @Test func pointsRoundTrip() throws {
        let path = try writeShapefile(
            "manholes", .point,
            fields: [.character("MH_NO", length: 10), .numeric("DEPTH", length: 8, decimals: 2), .numeric("YEAR", length: 4)],
            prj: jgd2011Zone9WKT,
            [
                (.point(Position(-40120.25, -135012.5)), [.string("MH-001"), .double(2.35), .int(1985)]),
                (nil, [.string("MH-002"), .null, .null]),
                (.point(Position(-40100.75, -135020)), [.null, .double(-1.5), .int(2001)]),
            ])
        let r = try ShapefileReader(path: path)
        #expect(r.shapeType == .point)
        #expect(r.recordCount == 3)
        #expect(r.crs == jgd2011Zone9WKT)
        #expect(r.encoding == .utf8)
        #expect(r.fields == [.character("MH_NO", length: 10), .numeric("DEPTH", length: 8, decimals: 2), .numeric("YEAR", length: 4)])
        let features = try readAll(r)
        #expect(features.map(\.location) == [.record(1), .record(2), .record(3)])
        #expect(features[0].geometry == .point(Position(-40120.25, -135012.5)))
        #expect(features[0].properties.map(\.key) == ["MH_NO", "DEPTH", "YEAR"])
        #expect(features[0]["MH_NO"] == .string("MH-001"))
        #expect(features[0]["DEPTH"] == .double(2.35))
        #expect(features[0]["YEAR"] == .int(1985))
        #expect(features[1].geometry == nil)
        #expect(features[1]["DEPTH"] == .null)
        #expect(features[2]["MH_NO"] == .null)
        #expect(features[2]["DEPTH"] == .double(-1.5))
        #expect(r.bytesRead == r.totalBytes)
    }

    @Test func linesRoundTrip() throws {
        let line = [Position(0, 0), Position(10, 5), Position(20, 0)]
        let multi = [[Position(0, 0), Position(1, 1)], [Position(5, 5), Position(6, 7), Position(8, 9)]]
        let path = try writeShapefile(
            "pipes", .polyLine, fields: [.numeric("ID", length: 5)],
            [(.lineString(line), [.int(1)]), (.multiLineString(multi), [.int(2)])])
        let features = try readAll(ShapefileReader(path: path))
        #expect(features.map(\.geometry) == [.lineString(line), .multiLineString(multi)])
        #expect(features.map { $0["ID"] } == [.int(1), .int(2)])
    }

    @Test func polygonWithHoleKeepsRFC7946Orientation() throws {
        let outer = square(0, 0, 10)
        let hole = Array(square(2, 2, 3).reversed())
        let path = try writeShapefile("parcels", .polygon, fields: [], [(.polygon([outer, hole]), [])])

        // On disk the outer ring is clockwise and the hole counter-clockwise, per the shapefile spec.
        let shp = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let content = Array(shp[108...])
        #expect(content.int32LE(at: 36) == 2)
        let ring0 = (0..<5).map { Position(content.float64LE(at: 52 + 16 * $0), content.float64LE(at: 60 + 16 * $0)) }
        let ring1 = (5..<10).map { Position(content.float64LE(at: 52 + 16 * $0), content.float64LE(at: 60 + 16 * $0)) }
        #expect(PolygonAssembly.signedArea(ring0) == -100)
        #expect(PolygonAssembly.signedArea(ring1) == 9)

        let features = try readAll(ShapefileReader(path: path))
        #expect(features[0].geometry == .polygon([outer, hole]))
    }

    @Test func holesAreGroupedIntoTheOuterRingThatContainsThem() {
        // Shapefile orientation: outers clockwise, holes counter-clockwise, listed in any order.
        let bigOuter = Array(square(0, 0, 100).reversed())
        let lake = square(10, 10, 50)
        let island = Array(square(20, 20, 10).reversed())
        let pond = square(22, 22, 2)
        let farOuter = Array(square(200, 0, 10).reversed())
        let farHole = square(202, 2, 2)
        let polygons = PolygonAssembly.polygons(fromShapefileRings: [farHole, pond, bigOuter, lake, island, farOuter])
        #expect(
            polygons == [
                [square(0, 0, 100), Array(lake.reversed())],
                [square(20, 20, 10), Array(pond.reversed())],
                [square(200, 0, 10), Array(farHole.reversed())],
            ])
        // A counter-clockwise ring with no outer around it is kept as a polygon of its own.
        #expect(PolygonAssembly.polygons(fromShapefileRings: [square(0, 0, 1)]) == [[square(0, 0, 1)]])
    }

    @Test func multiPolygonRoundTrip() throws {
        let polygons = [[square(0, 0, 10), Array(square(1, 1, 2).reversed())], [square(20, 0, 5)]]
        let path = try writeShapefile("multi", .polygon, fields: [], [(.multiPolygon(polygons), [])])
        #expect(try readAll(ShapefileReader(path: path)).map(\.geometry) == [.multiPolygon(polygons)])
    }

    private let japaneseFields: [DBFField] = [
        .character("人孔番号", length: 20), .character("業者", length: 30), .numeric("深さ", length: 6, decimals: 2),
    ]
    private let japaneseValues: [FieldValue] = [.string("ＭＨ-001"), .string("㈱髙橋①"), .double(2.35)]

    private func checkJapanese(_ r: ShapefileReader) throws {
        #expect(r.fields.map(\.name) == ["人孔番号", "業者", "深さ"])
        let feature = try #require(try r.next())
        #expect(feature["人孔番号"] == .string("ＭＨ-001"))
        #expect(feature["業者"] == .string("㈱髙橋①"))
        #expect(feature["深さ"] == .double(2.35))
    }

    @Test func cp932FromTheCPGFile() throws {
        let path = try writeShapefile(
            "cpg", .point, fields: japaneseFields, encoding: .cp932, languageDriverID: 0, [(.point(Position(1, 2)), japaneseValues)])
        #expect(try String(contentsOfFile: dir.file("cpg.cpg"), encoding: .utf8) == "CP932")
        let r = try ShapefileReader(path: path)
        #expect(r.encoding == .cp932)
        try checkJapanese(r)
    }

    @Test func cp932FromTheLanguageDriverByte() throws {
        let path = try writeShapefile(
            "ldid", .point, fields: japaneseFields, encoding: .cp932, writesCPG: false, [(.point(Position(1, 2)), japaneseValues)])
        #expect(!FileManager.default.fileExists(atPath: dir.file("ldid.cpg")))
        let r = try ShapefileReader(path: path)
        #expect(r.encoding == .cp932)
        try checkJapanese(r)
    }

    @Test func encodingDetectedPerValueWithoutCPGOrLanguageDriver() throws {
        let path = try writeShapefile(
            "auto", .point, fields: japaneseFields, encoding: .cp932, writesCPG: false, languageDriverID: 0,
            [(.point(Position(1, 2)), japaneseValues)])
        let r = try ShapefileReader(path: path)
        #expect(r.encoding == nil)
        try checkJapanese(r)
    }

    @Test func explicitEncodingWinsOverTheCPG() throws {
        let path = try writeShapefile(
            "explicit", .point, fields: [.character("名前", length: 10)], [(.point(Position(1, 2)), [.string("駅")])])
        try dir.write("explicit.cpg", "CP932")
        #expect(try ShapefileReader(path: path).encoding == .cp932)
        let r = try ShapefileReader(path: path, encoding: .utf8)
        #expect(try r.next()?["名前"] == .string("駅"))
    }

    @Test(arguments: [
        ("UTF-8", TextEncoding.utf8), ("utf8\n", .utf8), ("65001", .utf8), ("932", .cp932), ("SJIS", .cp932), ("Shift_JIS", .cp932),
        ("Windows-31J", .cp932), ("ISO-8859-1", nil),
    ])
    func cpgSpellings(text: String, expected: TextEncoding?) throws {
        #expect(try ShapefileReader.encoding(fromCPG: dir.write("x.cpg", text)) == expected)
    }

    @Test func undecodableValueIsRecoverable() throws {
        let path = try writeShapefile(
            "bad", .point, fields: [.character("NAME", length: 10)],
            [
                (.point(Position(1, 2)), [.string("ok1")]), (.point(Position(3, 4)), [.string("xx")]),
                (.point(Position(5, 6)), [.string("ok3")]),
            ])
        // Overwrite the second record's text with a byte CP932 does not have.
        var dbf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file("bad.dbf"))))
        let recordStart = 32 + 32 + 1 + 11
        dbf[recordStart + 1] = 0xFF
        try dir.write("bad.dbf", dbf)
        let r = try ShapefileReader(path: path, encoding: .cp932)
        #expect(try r.next()?["NAME"] == .string("ok1"))
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "record 2, field \"NAME\": invalid CP932 byte sequence at byte offset 0")
        #expect(error.isRecoverable)
        #expect(try r.next()?["NAME"] == .string("ok3"))
    }

    @Test func deletedRecordsAreSkippedWithTheirShapes() throws {
        let path = try writeShapefile(
            "deleted", .point, fields: [.numeric("ID", length: 3)],
            (1...3).map { (.point(Position(Double($0), 0)), [.int(Int64($0))]) })
        var dbf = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file("deleted.dbf"))))
        dbf[32 + 32 + 1 + 4] = UInt8(ascii: "*")
        try dir.write("deleted.dbf", dbf)
        let features = try readAll(ShapefileReader(path: path))
        #expect(features.map(\.location) == [.record(1), .record(3)])
        #expect(features.map(\.geometry) == [.point(Position(1, 0)), .point(Position(3, 0))])
        #expect(features.map { $0["ID"] } == [.int(1), .int(3)])
    }

    @Test func truncatedShpNamesTheRecord() throws {
        let polygons = (0..<3).map { k in Geometry.polygon([square(Double(k) * 20, 0, 10)]) }
        let path = try writeShapefile("cut", .polygon, fields: [], polygons.map { ($0, []) })
        let full = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Each one-ring polygon record is 8 + 128 bytes: type, box, counts, one part index, five points.
        #expect(full.count == 100 + 3 * 136)
        try dir.write("cut.shp", Array(full.dropLast(30)))
        let r = try ShapefileReader(path: path)
        #expect(try r.next()?.location == .record(1))
        #expect(try r.next()?.location == .record(2))
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "record 3: truncated .shp (record claims 128 bytes, 98 left)")
        #expect(!error.isRecoverable)
        #expect(try r.next() == nil)

        // Cut exactly between records: the header's length no longer matches the file.
        try dir.write("cut.shp", Array(full.dropLast(136)))
        let r2 = try ShapefileReader(path: path)
        _ = try r2.next()
        _ = try r2.next()
        #expect(formatError { try r2.next() }?.description == "record 3: truncated .shp (its header says 508 bytes, the file has 372)")
    }

    @Test func missingSiblingsAndMismatchedCounts() throws {
        let path = try writeShapefile("roads", .point, fields: [.numeric("ID", length: 2)], [(.point(Position(1, 1)), [.int(1)])])
        try FileManager.default.moveItem(atPath: dir.file("roads.dbf"), toPath: dir.file("roads.DBF"))
        try FileManager.default.moveItem(atPath: dir.file("roads.shx"), toPath: dir.file("roads.Shx"))
        #expect(try readAll(ShapefileReader(path: path)).count == 1)

        try FileManager.default.removeItem(atPath: dir.file("roads.DBF"))
        #expect(
            formatError { try ShapefileReader(path: path) }?.description
                == "file: roads.shp has no .dbf file beside it; a shapefile needs its .shp, .shx and .dbf")

        try writeShapefile("two", .point, fields: [.numeric("ID", length: 2)], [(nil, [.int(1)]), (nil, [.int(2)])])
        try FileManager.default.copyItem(atPath: dir.file("two.dbf"), toPath: dir.file("roads.dbf"))
        #expect(formatError { try ShapefileReader(path: path) }?.description == "file: .shx lists 1 records but .dbf has 2")
        #expect(formatError { try ShapefileReader(path: dir.file("none.shp")) }?.description.hasSuffix("none.shp: no such file") == true)
    }

    @Test func notAShapefile() throws {
        let path = try dir.write("fake.shp", [UInt8](repeating: 7, count: 120))
        try dir.write("fake.shx", [UInt8](repeating: 0, count: 100))
        try dir.write("fake.dbf", [])
        #expect(
            formatError { try ShapefileReader(path: path) }?.description
                == "file: fake.shp is not a shapefile (file code 117901063, expected 9994)")
    }

    @Test func writerRejectsWhatAShapefileCannotHold() throws {
        let writer = try ShapefileWriter(path: dir.file("w.shp"), shapeType: .point, fields: [.character("N", length: 4)])
        #expect(throws: ShapefileWriteError.self) { try writer.write(.lineString([Position(0, 0), Position(1, 1)]), [.null]) }
        do {
            try writer.write(.lineString([Position(0, 0), Position(1, 1)]), [.null])
        } catch {
            #expect(error.description == "record 1: a LineString cannot be written to a point shapefile")
        }
        // Text is cut on a character boundary to fit the field.
        try writer.write(.point(Position(1, 2)), [.string("髙橋一")])
        try writer.close()
        #expect(try ShapefileReader(path: dir.file("w.shp")).next()?["N"] == .string("髙"))

        let longName = [DBFField.character("人孔番号です", length: 4)]
        do {
            _ = try ShapefileWriter(path: dir.file("x.shp"), shapeType: .point, fields: longName)
            Issue.record("a name over 10 bytes was accepted")
        } catch {
            #expect(error.description == "field \"人孔番号です\": a .dbf field name is 1 to 10 bytes, this one is 18 in UTF-8")
        }
        #expect(throws: ShapefileWriteError.self) { try ShapefileWriter(path: dir.file("z.shp"), shapeType: .pointZ, fields: []) }
    }

    // MARK: Z and M variants and field types the writer does not produce

    /// Builds a shapefile from raw record contents and a raw .dbf.
    private func rawShapefile(_ name: String, type: ShapefileShapeType, records: [[UInt8]], dbf: [UInt8]) throws -> String {
        var shp: [UInt8] = []
        var shx: [UInt8] = []
        var offset = 100
        for (k, content) in records.enumerated() {
            shp.appendInt32BE(Int32(k + 1))
            shp.appendInt32BE(Int32(content.count / 2))
            shp += content
            shx.appendInt32BE(Int32(offset / 2))
            shx.appendInt32BE(Int32(content.count / 2))
            offset += 8 + content.count
        }
        func header(_ length: Int) -> [UInt8] {
            var h: [UInt8] = []
            h.appendInt32BE(9994)
            h += [UInt8](repeating: 0, count: 20)
            h.appendInt32BE(Int32(length / 2))
            h.appendInt32LE(1000)
            h.appendInt32LE(type.rawValue)
            return h + [UInt8](repeating: 0, count: 64)
        }
        try dir.write(name + ".shx", header(100 + shx.count) + shx)
        try dir.write(name + ".dbf", dbf)
        return try dir.write(name + ".shp", header(100 + shp.count) + shp)
    }

    /// A dBase III table; `rows` hold each field's raw text, padded here.
    private func rawDBF(_ fields: [(String, Character, Int, Int)], _ rows: [[String]], languageDriverID: UInt8 = 0) -> [UInt8] {
        let recordLength = 1 + fields.reduce(0) { $0 + $1.2 }
        var out: [UInt8] = [0x03, 124, 1, 1]
        out.appendInt32LE(Int32(rows.count))
        out.appendUInt16LE(UInt16(33 + 32 * fields.count))
        out.appendUInt16LE(UInt16(recordLength))
        out += [UInt8](repeating: 0, count: 17) + [languageDriverID, 0, 0]
        for (name, type, length, decimals) in fields {
            out += Array(name.utf8) + [UInt8](repeating: 0, count: 11 - name.utf8.count)
            out += [type.asciiValue!, 0, 0, 0, 0, UInt8(length), UInt8(decimals)] + [UInt8](repeating: 0, count: 14)
        }
        out.append(0x0D)
        for row in rows {
            out.append(0x20)
            for ((_, _, length, _), text) in zip(fields, row) {
                out += Array(text.utf8) + [UInt8](repeating: 0x20, count: length - text.utf8.count)
            }
        }
        return out + [0x1A]
    }

    private func points(_ ps: [(Double, Double)], into out: inout [UInt8]) {
        for (x, y) in ps {
            out.appendFloat64LE(x)
            out.appendFloat64LE(y)
        }
    }

    @Test func zAndMVariantsDropTheExtraOrdinates() throws {
        var pointZ: [UInt8] = []
        pointZ.appendInt32LE(ShapefileShapeType.pointZ.rawValue)
        points([(135.5, 34.7)], into: &pointZ)
        pointZ.appendFloat64LE(12.5)  // z
        pointZ.appendFloat64LE(0)  // m

        var lineM: [UInt8] = []
        lineM.appendInt32LE(ShapefileShapeType.polyLineM.rawValue)
        lineM += [UInt8](repeating: 0, count: 32)
        lineM.appendInt32LE(2)  // parts
        lineM.appendInt32LE(4)  // points
        lineM.appendInt32LE(0)
        lineM.appendInt32LE(2)
        points([(0, 0), (1, 1), (5, 5), (6, 6)], into: &lineM)
        lineM += [UInt8](repeating: 0, count: 16 + 32)  // m range and values

        var multiPointZ: [UInt8] = []
        multiPointZ.appendInt32LE(ShapefileShapeType.multiPointZ.rawValue)
        multiPointZ += [UInt8](repeating: 0, count: 32)
        multiPointZ.appendInt32LE(2)
        points([(1, 2), (3, 4)], into: &multiPointZ)
        multiPointZ += [UInt8](repeating: 0, count: 2 * (16 + 16))

        var null: [UInt8] = []
        null.appendInt32LE(0)

        let dbf = rawDBF(
            [("FLAG", "L", 1, 0), ("BUILT", "D", 8, 0), ("LEN", "F", 10, 3), ("CNT", "N", 4, 0)],
            [["T", "19851231", "12.500", "7"], ["n", "", "", ""], ["?", "20240401", "-0.125", "-12"], [" ", "00000000", "1e3", "  "]])
        let path = try rawShapefile("zm", type: .pointZ, records: [pointZ, lineM, multiPointZ, null], dbf: dbf)
        let r = try ShapefileReader(path: path)
        #expect(r.shapeType == .pointZ)
        #expect(r.shapeType.planar == .point)
        let features = try readAll(r)
        #expect(features[0].geometry == .point(Position(135.5, 34.7)))
        #expect(features[1].geometry == .multiLineString([[Position(0, 0), Position(1, 1)], [Position(5, 5), Position(6, 6)]]))
        #expect(features[2].geometry == .multiPoint([Position(1, 2), Position(3, 4)]))
        #expect(features[3].geometry == nil)
        #expect(features.map { $0["FLAG"] } == [.bool(true), .bool(false), .null, .null])
        #expect(features.map { $0["BUILT"] } == [.string("1985-12-31"), .null, .string("2024-04-01"), .null])
        #expect(features.map { $0["LEN"] } == [.double(12.5), .null, .double(-0.125), .double(1000)])
        #expect(features.map { $0["CNT"] } == [.int(7), .null, .int(-12), .null])
    }

    @Test func badRecordContentIsRecoverable() throws {
        var shortLine: [UInt8] = []
        shortLine.appendInt32LE(ShapefileShapeType.polyLine.rawValue)
        shortLine += [UInt8](repeating: 0, count: 32)
        shortLine.appendInt32LE(1)
        shortLine.appendInt32LE(1)
        shortLine.appendInt32LE(0)
        points([(1, 1)], into: &shortLine)

        var patch: [UInt8] = []
        patch.appendInt32LE(ShapefileShapeType.multiPatch.rawValue)

        var good: [UInt8] = []
        good.appendInt32LE(1)
        points([(9, 9)], into: &good)

        let dbf = rawDBF([("DEPTH", "N", 5, 2)], [["1.00"], ["2.00"], ["abc"], ["4.00"]])
        let path = try rawShapefile("bad", type: .polyLine, records: [shortLine, patch, good, good], dbf: dbf)
        let r = try ShapefileReader(path: path)
        #expect(formatError { try r.next() }?.description == "record 1, field \"geometry\": part 0 has 1 point; a line needs at least 2")
        #expect(formatError { try r.next() }?.description == "record 2, field \"geometry\": multiPatch shapes are not supported")
        let badNumber = try #require(formatError { try r.next() })
        #expect(badNumber.description == "record 3, field \"DEPTH\": not a number: \"abc\"")
        #expect(badNumber.isRecoverable)
        let last = try #require(try r.next())
        #expect(last.geometry == .point(Position(9, 9)))
        #expect(last["DEPTH"] == .double(4))
    }

    // MARK: GDAL interoperability

    @Test(.enabled(if: ogr2ogrPath != nil, "ogr2ogr is not on PATH (install gdal-bin; `make test` does)"))
    func readsAShapefileMadeByOGR2OGR() throws {
        let source = try dir.write(
            "src.geojson",
            """
            {"type": "FeatureCollection",
             "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6677"}},
             "features": [
              {"type": "Feature", "properties": {"名称": "髙橋①号人孔", "深さ": 2.35, "年度": 1985},
               "geometry": {"type": "Point", "coordinates": [-40120.25, -135012.5, 5.1]}},
              {"type": "Feature", "properties": {"名称": "㈱本町", "深さ": 1.8, "年度": 1990},
               "geometry": {"type": "Point", "coordinates": [-40100.75, -135020.0, 4.2]}}
             ]}
            """)
        let output = dir.file("gdal.shp")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(ogr2ogrPath))
        process.arguments = ["-f", "ESRI Shapefile", output, source, "-lco", "ENCODING=CP932"]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)

        let r = try ShapefileReader(path: output)
        #expect(r.shapeType == .pointZ)
        #expect(r.encoding == .cp932)
        #expect(r.crs?.contains("JGD_2011_Japan_Zone_9") == true)
        let features = try readAll(r)
        #expect(features.count == 2)
        #expect(features[0]["名称"] == .string("髙橋①号人孔"))
        #expect(features[0]["深さ"] == .double(2.35))
        #expect(features[0]["年度"] == .int(1985))
        #expect(features[0].geometry == .point(Position(-40120.25, -135012.5)))
        #expect(features[1]["名称"] == .string("㈱本町"))
        #expect(features[1].geometry == .point(Position(-40100.75, -135020)))
    }
}
