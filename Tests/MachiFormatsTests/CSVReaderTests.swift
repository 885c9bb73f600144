import MachiGeometry
import Testing

@testable import MachiFormats

@Suite struct CSVReaderTests {
    let dir: TemporaryDirectory

    init() throws {
        dir = try TemporaryDirectory()
    }

    private func cp932File(_ text: String) throws -> String {
        try dir.write("cp932.csv", TextEncoder(.cp932).encode(text))
    }

    @Test func cp932ManholeLedgerInPlaneCoordinates() throws {
        let path = try cp932File(
            """
            人孔番号,排除方式,深さ,地盤高,布設年度,X,Y
            ＭＨ-001,合流,2.35,5.10,1985,-135012.5,-40120.25
            ＭＨ-002,分流（汚水）,1.80,,1990,-135020.0,-40100.75

            """.replacingOccurrences(of: "\n", with: "\r\n"))
        let r = try CSVFeatureReader(path: path)
        #expect(r.encoding == .cp932)
        #expect(r.header == ["人孔番号", "排除方式", "深さ", "地盤高", "布設年度", "X", "Y"])
        #expect(r.coordinates == .planeXY(x: "X", y: "Y"))
        #expect(r.crs == nil)
        let features = try readAll(r)
        #expect(features.count == 2)
        #expect(features[0].location == .line(2))
        // Survey X is northing: it becomes y; Y (easting) becomes x.
        #expect(features[0].geometry == .point(Position(-40120.25, -135012.5)))
        #expect(features[0].properties.map(\.key) == ["人孔番号", "排除方式", "深さ", "地盤高", "布設年度"])
        #expect(features[0]["人孔番号"] == .string("ＭＨ-001"))
        #expect(features[0]["排除方式"] == .string("合流"))
        #expect(features[0]["深さ"] == .string("2.35"))
        #expect(features[0]["地盤高"] == .string("5.10"))
        #expect(features[0]["布設年度"] == .string("1985"))
        #expect(features[1]["排除方式"] == .string("分流（汚水）"))
        #expect(features[1]["地盤高"] == .null)
        #expect(r.bytesRead == r.totalBytes)
    }

    @Test(arguments: [TextEncoding.cp932, nil])
    func cp932VendorExtensions(encoding: TextEncoding?) throws {
        let path = try cp932File("名称,業者,lon,lat\n①号人孔,㈱髙橋建設,139.7671,35.6812\n")
        let r = try CSVFeatureReader(path: path, encoding: encoding)
        let feature = try #require(try r.next())
        #expect(feature["名称"] == .string("①号人孔"))
        #expect(feature["業者"] == .string("㈱髙橋建設"))
        #expect(feature.geometry == .point(Position(139.7671, 35.6812)))
        #expect(r.crs == "OGC:CRS84")
        #expect(r.coordinates == .lonLat(lon: "lon", lat: "lat"))
    }

    @Test func quotedFieldsAndTheirLineNumbers() throws {
        let path = try dir.write(
            "q.csv",
            "id,name,note,経度,緯度\r\n"
                + "1,\"Smith, J\",\"line one\r\nline two\",139.1,35.1\r\n"
                + "2,\"He said \"\"hi\"\"\",,139.2,35.2\n"
                + "\"3\",\"multi\n\nline\",\"\",139.3,35.3\n"
                + "4,plain,\"a,b\"\"c\",139.4,35.4")
        let r = try CSVReader(path: path)
        #expect(r.header == ["id", "name", "note", "経度", "緯度"])
        var records: [CSVRecord] = []
        while let record = try r.next() { records.append(record) }
        #expect(records.map(\.line) == [2, 4, 5, 8])
        #expect(records[0].fields == ["1", "Smith, J", "line one\r\nline two", "139.1", "35.1"])
        #expect(records[1].fields == ["2", "He said \"hi\"", "", "139.2", "35.2"])
        #expect(records[2].fields == ["3", "multi\n\nline", "", "139.3", "35.3"])
        #expect(records[3].fields == ["4", "plain", "a,b\"c", "139.4", "35.4"])

        let features = try readAll(CSVFeatureReader(path: path))
        #expect(features.map(\.location) == [.line(2), .line(4), .line(5), .line(8)])
        #expect(features[2]["note"] == .null)
        #expect(features[3].geometry == .point(Position(139.4, 35.4)))
    }

    @Test func unterminatedQuote() throws {
        let r = try CSVReader(path: dir.write("u.csv", "a,b\n1,2\n3,\"open\n4,5\n6,7\n"))
        #expect(try r.next()?.fields == ["1", "2"])
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "line 3: unterminated quoted field: the closing \" is missing before the end of the file")
        #expect(!error.isRecoverable)
    }

    @Test func wrongFieldCountIsRecoverable() throws {
        let r = try CSVFeatureReader(path: dir.write("w.csv", "name,lon,lat\na,139,35\nb,139\nc,139,35,extra\nd,140,36\n"))
        #expect(try r.next()?["name"] == .string("a"))
        let short = try #require(formatError { try r.next() })
        #expect(short.description == "line 3: record has 2 fields but the header has 3")
        #expect(short.isRecoverable)
        #expect(formatError { try r.next() }?.description == "line 4: record has 4 fields but the header has 3")
        let last = try #require(try r.next())
        #expect(last.location == .line(5))
        #expect(last.geometry == .point(Position(140, 36)))
        #expect(try r.next() == nil)
    }

    @Test func badCoordinatesAreRecoverable() throws {
        let r = try CSVFeatureReader(
            path: dir.write("c.csv", "name,longitude,latitude\na,139.5,abc\nb,,35\nc,0x1p3,35\nd,１３９．５,−３５\n"))
        let notNumber = try #require(formatError { try r.next() })
        #expect(notNumber.description == "line 2, field \"latitude\": coordinate is not a number: \"abc\"")
        #expect(notNumber.isRecoverable)
        #expect(formatError { try r.next() }?.description == "line 3, field \"longitude\": coordinate is missing")
        #expect(formatError { try r.next() }?.description == "line 4, field \"longitude\": coordinate is not a number: \"0x1p3\"")
        // Full-width digits typed with a Japanese input method are still numbers.
        #expect(try r.next()?.geometry == .point(Position(139.5, -35)))
    }

    @Test func byteOrderMarkAndBlankLines() throws {
        let path = try dir.write("bom.csv", TextEncoding.utf8BOM + Array("lng,lat,名前\n\n139,35,駅\n\n".utf8))
        let r = try CSVFeatureReader(path: path)
        #expect(r.header == ["lng", "lat", "名前"])
        #expect(r.encoding == .utf8)
        let features = try readAll(r)
        #expect(features.count == 1)
        #expect(features[0].location == .line(3))
        #expect(features[0]["名前"] == .string("駅"))
    }

    @Test func explicitColumnsAndHeaderProblems() throws {
        let path = try dir.write("e.csv", "北,東,id\n-135012.5,-40120.25,7\n")
        let r = try CSVFeatureReader(path: path, coordinates: .planeXY(x: "北", y: "東"))
        #expect(try r.next()?.geometry == .point(Position(-40120.25, -135012.5)))
        #expect(
            formatError { try CSVFeatureReader(path: path) }?.description
                == "line 1: no coordinate columns in the header: expected lon/lat (lon, lng, longitude, 経度 and lat, latitude, 緯度)"
                + " or X/Y (X, X座標 and Y, Y座標)")
        #expect(
            formatError { try CSVFeatureReader(path: path, coordinates: .lonLat(lon: "lon", lat: "lat")) }?.description
                == "line 1: coordinate column \"lon\" is not in the header")
        #expect(CSVCoordinateColumns.detect(in: ["ID", "X座標", "Y座標"]) == .planeXY(x: "X座標", y: "Y座標"))
        #expect(CSVCoordinateColumns.detect(in: ["x", "y", " Longitude ", "LAT"]) == .lonLat(lon: " Longitude ", lat: "LAT"))
    }

    @Test func undecodableFieldNamesLineAndColumn() throws {
        let bytes = Array("name,lon,lat\n".utf8) + [0x41, 0xFF] + Array(",139,35\nok,140,36\n".utf8)
        let r = try CSVFeatureReader(path: dir.write("bad.csv", bytes), encoding: .utf8)
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "line 2, field \"name\": invalid UTF-8 byte sequence at byte offset 1")
        #expect(error.isRecoverable)
        #expect(try r.next()?["name"] == .string("ok"))
    }

    @Test func detectionWaitsForTheFirstNonASCIIChunk() throws {
        // Over one chunk of ASCII rows, then CP932: the decision must come from the later chunk.
        var text = "name,lon,lat\n"
        while text.utf8.count < ChunkedFile.defaultChunkSize + 100 { text += "abcdefghij,139.0,35.0\n" }
        text += "髙橋,139.5,35.5\n"
        let r = try CSVFeatureReader(path: cp932File(text))
        #expect(r.encoding == nil)
        var last: SourceFeature?
        while let feature = try r.next() { last = feature }
        #expect(r.encoding == .cp932)
        #expect(last?["name"] == .string("髙橋"))
    }
}
