import Foundation
import MachiGeometry
import Testing

@testable import MachiFormats

@Suite struct GeoJSONReaderTests {
    let dir: TemporaryDirectory

    init() throws {
        dir = try TemporaryDirectory()
    }

    private func reader(_ json: String, maxFeatureBytes: Int = GeoJSONReader.defaultMaxFeatureBytes) throws -> GeoJSONReader {
        try GeoJSONReader(path: dir.write("test.geojson", json), maxFeatureBytes: maxFeatureBytes)
    }

    private func point(_ x: Double, _ y: Double, _ props: String = "{}") -> String {
        #"{"type":"Feature","geometry":{"type":"Point","coordinates":[\#(x),\#(y)]},"properties":\#(props)}"#
    }

    @Test func featuresAfterOtherMembers() throws {
        let r = try reader(
            """
            {"type": "FeatureCollection", "name": "人孔", "bbox": [139.0, 35.0, 140.0, 36.0],
             "features": [\(point(139.5, 35.5, #"{"no": 1}"#)), \(point(139.6, 35.6, #"{"no": 2}"#))]}
            """)
        let features = try readAll(r)
        #expect(features.count == 2)
        #expect(features[0].geometry == .point(Position(139.5, 35.5)))
        #expect(features[1].location == .feature(1))
        #expect(features[1]["no"] == .int(2))
        #expect(r.crs == "OGC:CRS84")
        #expect(r.bytesRead == r.totalBytes)
    }

    @Test func featuresBeforeOtherMembersWithTrailingCRS() throws {
        let r = try reader(
            """
            {"features": [\(point(-40120.25, -135012.5))], "name": {"nested": ["]", "}"]},
             "type": "FeatureCollection",
             "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6674"}}}
            """)
        // The crs after the array is known before the first feature is read.
        #expect(r.crs == "EPSG:6674")
        let features = try readAll(r)
        #expect(features.map(\.geometry) == [.point(Position(-40120.25, -135012.5))])
    }

    /// The pre-pass looks only at the file's end; a crs hidden before a long trailing member
    /// is caught when the main pass reaches it, instead of being ignored.
    @Test func trailingCRSFarFromTheEndIsAnErrorNotIgnored() throws {
        let filler = String(repeating: "x", count: 70_000)
        let r = try reader(
            """
            {"type": "FeatureCollection", "features": [\(point(-40120.25, -135012.5))],
             "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6674"}}, "note": "\(filler)"}
            """)
        #expect(r.crs == "OGC:CRS84")
        #expect {
            try readAll(r)
        } throws: { error in
            (error as? FormatError)?.description.contains("after the features array was found only after the features were read") == true
        }
    }

    @Test(arguments: [
        ("urn:ogc:def:crs:EPSG::6674", "EPSG:6674"),
        ("urn:ogc:def:crs:EPSG:6.6:6677", "EPSG:6677"),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", "OGC:CRS84"),
        ("urn:ogc:def:crs:EPSG::4326", "OGC:CRS84"),
        ("EPSG:6675", "EPSG:6675"),
    ])
    func legacyCRSMember(name: String, expected: String) throws {
        let r = try reader(
            #"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"\#(name)"}},"features":[]}"#)
        #expect(r.crs == expected)
        #expect(try r.next() == nil)
    }

    @Test func escapesAndJapaneseInStrings() throws {
        let props = #"""
            {"名称": "本町\"一丁目\"\n幹線", "esc": "\u6771\u4eac\/\t\ud83c\udf63",
             "ｶﾅ": "ﾏﾝﾎｰﾙ①㈱髙", "k\u00e9y": "\\"}
            """#
        let feature = try #require(try reader(#"{"type":"FeatureCollection","features":[\#(point(1, 2, props))]}"#).next())
        #expect(feature["名称"] == .string("本町\"一丁目\"\n幹線"))
        #expect(feature["esc"] == .string("東京/\t🍣"))
        #expect(feature["ｶﾅ"] == .string("ﾏﾝﾎｰﾙ①㈱髙"))
        #expect(feature["kéy"] == .string("\\"))
        #expect(feature.properties.map(\.key) == ["名称", "esc", "ｶﾅ", "kéy"])
    }

    @Test func propertyValueTypes() throws {
        let props = #"""
            {"int": 42, "neg": -9223372036854775808, "big": 12345678901234567890, "dbl": 2.35, "exp": 1e3,
             "t": true, "f": false, "n": null, "obj": {"a": [1, 2.5, {"b": null}], "c": "x\"y"}, "arr": ["東京", 1]}
            """#
        let feature = try #require(try reader(#"{"type":"FeatureCollection","features":[\#(point(1, 2, props))]}"#).next())
        #expect(feature["int"] == .int(42))
        #expect(feature["neg"] == .int(Int64.min))
        #expect(feature["big"] == .double(1.2345678901234567e19))
        #expect(feature["dbl"] == .double(2.35))
        #expect(feature["exp"] == .double(1000))
        #expect(feature["t"] == .bool(true))
        #expect(feature["f"] == .bool(false))
        #expect(feature["n"] == .null)
        #expect(feature["obj"] == .string(#"{"a":[1,2.5,{"b":null}],"c":"x\"y"}"#))
        #expect(feature["arr"] == .string(#"["東京",1]"#))
    }

    @Test func idAndNullGeometry() throws {
        let r = try reader(
            """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","id":"MH-001","geometry":null,"properties":null},
              {"type":"Feature","id":17,"geometry":{"type":"MultiPoint","coordinates":[]},"properties":{}},
              {"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2,30],[3,4,40]]},"properties":{}}
            ]}
            """)
        let features = try readAll(r)
        #expect(features.map(\.id) == ["MH-001", "17", nil])
        #expect(features[0].geometry == nil)
        #expect(features[0].properties.isEmpty)
        #expect(features[1].geometry == nil)
        #expect(features[2].geometry == .lineString([Position(1, 2), Position(3, 4)]))
    }

    @Test func allGeometryTypes() throws {
        let r = try reader(
            """
            {"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[
                [[0,0],[10,0],[10,10],[0,10],[0,0]], [[2,2],[2,4],[4,4],[2,2]]]}},
              {"type":"Feature","properties":{},"geometry":{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3]]]}},
              {"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}
            ]}
            """)
        let features = try readAll(r)
        #expect(features[0].geometry?.type == .polygon)
        #expect(features[0].geometry?.positionCount == 9)
        #expect(features[1].geometry == .multiLineString([[Position(0, 0), Position(1, 1)], [Position(2, 2), Position(3, 3)]]))
        #expect(features[2].geometry == .multiPolygon([[[Position(0, 0), Position(1, 0), Position(1, 1), Position(0, 0)]]]))
    }

    @Test(arguments: [
        (#"{"type":"LineString","coordinates":[[1,2]]}"#, "LineString needs at least 2 positions, found 1"),
        (#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#, "Polygon ring 0 needs at least 4 positions, found 3"),
        (
            #"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#,
            "Polygon ring 0 is not closed: its first and last positions differ"
        ),
        (
            #"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,0],[1,1],[0,2]]]]}"#,
            "MultiPolygon polygon 1 ring 0 is not closed: its first and last positions differ"
        ),
        (#"{"type":"Point","coordinates":[1]}"#, "Point: a position must have 2 or 3 numbers, found 1"),
        (#"{"type":"Point","coordinates":[1,2,3,4]}"#, "Point: a position must have 2 or 3 numbers, found 4"),
        (#"{"type":"LineString","coordinates":[[1,2],[3,"4"]]}"#, "LineString position 1: a position must contain numbers, found a string"),
        (#"{"type":"Point","coordinates":[1e999,2]}"#, "Point: coordinate is not a finite number"),
        (#"{"type":"Point","coordinates":{"x":1}}"#, "Point: a position must be an array of numbers, found an object"),
        (#"{"type":"Circle","coordinates":[1,2]}"#, "unknown geometry type \"Circle\""),
        (#"{"type":"GeometryCollection","geometries":[]}"#, "GeometryCollection is not supported"),
        (#"{"type":"Point"}"#, "Point has no \"coordinates\""),
        (#""POINT(1 2)""#, "must be a geometry object or null, found a string"),
    ])
    func malformedGeometry(geometry: String, message: String) throws {
        let r = try reader(
            """
            {"type":"FeatureCollection","features":[
            \(point(0, 0)),
            {"type":"Feature","properties":{},"geometry":\(geometry)},
            \(point(5, 6))]}
            """)
        #expect(try r.next()?.geometry == .point(Position(0, 0)))
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "feature 1, field \"geometry\": \(message)")
        #expect(error.isRecoverable)
        let after = try #require(try r.next())
        #expect(after.location == .feature(2))
        #expect(after.geometry == .point(Position(5, 6)))
        #expect(try r.next() == nil)
    }

    @Test func featureLevelErrors() throws {
        let r = try reader(
            """
            {"type":"FeatureCollection","features":[
            {"type":"Point","coordinates":[1,2]},
            {"type":"Feature","properties":{}},
            {"type":"Feature","geometry":null,"properties":[1]},
            {"type":"Feature","geometry":null,"properties":{},"id":[1]},
            42]}
            """)
        let messages = (0..<5).map { _ in formatError { try r.next() }?.description }
        #expect(
            messages == [
                "feature 0, field \"type\": must be \"Feature\", found \"Point\"",
                "feature 1, field \"geometry\": missing; a Feature must have a \"geometry\" member (null when it has none)",
                "feature 2, field \"properties\": must be an object or null, found an array",
                "feature 3, field \"id\": must be a string or a number, found an array",
                "feature 4: expected a Feature object, found a number",
            ])
        #expect(try r.next() == nil)
    }

    @Test func malformedJSONInsideAFeatureNamesItsLine() throws {
        let r = try reader(
            """
            {"type":"FeatureCollection","features":[
            \(point(1, 2)),
            {"type":"Feature",
             "properties":{"a": tru},
             "geometry":null}
            ]}
            """)
        #expect(try r.next() != nil)
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "feature 1: malformed JSON at line 4: invalid literal, expected true")
        #expect(!error.isRecoverable)
        #expect(try r.next() == nil)
    }

    @Test(arguments: [
        (
            #"{"type":"Feature","geometry":null,"properties":{"a":[1}}"#, 1,
            "feature 1: malformed JSON at line 3: '}' where an array needs ']'"
        ),
        (
            #"{"type":"Feature","geometry":null,"properties":{}} garbage"#, 2,
            "feature 2: malformed JSON at line 3: expected ',' or ']' after feature 1, found 'g'"
        ),
        (
            "\n\n{\"type\":\"Feature\",\"geometry\":null,\"properties\":{}},", 2,
            "feature 2: malformed JSON at line 5: ']' after ',': trailing commas are not allowed in JSON"
        ),
        (#"{"type":"Feature" "geometry":null}"#, 1, "feature 1: malformed JSON at line 3: expected ',' or '}' in an object, found '\"'"),
    ])
    func malformedFraming(second: String, goodFeatures: Int, message: String) throws {
        let r = try reader("{\"features\":[\n\(point(1, 2)),\n\(second)]}")
        for _ in 0..<goodFeatures { #expect(try r.next() != nil) }
        let error = try #require(formatError { try r.next() })
        #expect(error.description == message)
        #expect(!error.isRecoverable)
        #expect(try r.next() == nil)
    }

    @Test func truncatedFile() throws {
        let full =
            "{\"type\":\"FeatureCollection\",\"features\":[\n" + (0..<5).map { point(Double($0), 0) }.joined(separator: ",\n") + "\n]}\n"
        let cut = String(full.prefix(full.count - 60))
        let r = try reader(cut)
        for k in 0..<4 { #expect(try r.next()?.location == .feature(k)) }
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "feature 4: malformed JSON at line 6: unexpected end of file (is the file truncated?)")
        #expect(!error.isRecoverable)
        #expect(try r.next() == nil)
    }

    @Test func truncatedAfterTheArray() throws {
        let r = try reader("{\"type\":\"FeatureCollection\",\"features\":[\(point(1, 2))]")
        #expect(try r.next() != nil)
        let error = try #require(formatError { try r.next() })
        #expect(
            error.description == "file: malformed JSON at line 1 after the features array: unexpected end of file (is the file truncated?)")
    }

    @Test func singleFeature() throws {
        let r = try reader(point(139.7, 35.6, #"{"名前": "駅"}"#))
        let features = try readAll(r)
        #expect(features.count == 1)
        #expect(features[0].location == .feature(0))
        #expect(features[0]["名前"] == .string("駅"))
        #expect(features[0].geometry == .point(Position(139.7, 35.6)))
    }

    @Test func topLevelProblems() throws {
        #expect(
            formatError { try reader(#"{"type":"FeatureCollection","name":"x"}"#) }?.description
                == "file: no \"features\" member: not a GeoJSON FeatureCollection or Feature")
        #expect(
            formatError { try reader(#"{"type":"Point","coordinates":[1,2]}"#) }?.description
                == "file: top-level \"type\" is \"Point\": expected a GeoJSON FeatureCollection or Feature")
        #expect(
            formatError { try reader(#"{"type":"Topology","features":[]}"#) }?.description
                == "file: top-level \"type\" is \"Topology\" but the object has a \"features\" array")
        #expect(
            formatError { try reader("  \n") }?.description
                == "file: malformed JSON at line 2: expected a GeoJSON object starting with '{', found end of file")
        #expect(
            formatError { try reader("[1,2]") }?.description
                == "file: malformed JSON at line 1: expected a GeoJSON object starting with '{', found '['")
        let trailing = try reader(#"{"features":[]} x"#)
        #expect(
            formatError { try trailing.next() }?.description
                == "file: malformed JSON at line 1 after the features array: unexpected 'x' after the end of the GeoJSON object")
        let empty = try reader("")
        #expect(try empty.next() == nil)
        #expect(empty.totalBytes == 0)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let path = try dir.write(
            "bom.geojson", TextEncoding.utf8BOM + Array(#"{"type":"FeatureCollection","features":[\#(point(1, 2))]}"#.utf8))
        #expect(try readAll(GeoJSONReader(path: path)).count == 1)
    }

    @Test func hostileNestingIsAnError() throws {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let r = try reader(#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"a":\#(deep)}}]}"#)
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "feature 0: malformed JSON at line 1: nesting deeper than 64 levels")
    }

    @Test func oversizedFeatureIsAnError() throws {
        let big = String(repeating: "x", count: 5000)
        let r = try reader(
            #"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"a":"\#(big)"}}]}"#,
            maxFeatureBytes: 1024)
        let error = try #require(formatError { try r.next() })
        #expect(error.description == "feature 0: malformed JSON at line 1: feature is larger than the 1024-byte limit")
    }
    /// 200,000 features (~25 MB): the reader must take the file a chunk at a time and never
    /// buffer more than a chunk or two, whatever the file size.
    @Test func streamsLargeFileWithFlatMemory() throws {
        let count = 200_000
        var bytes = Array(#"{"type":"FeatureCollection","name":"large","features":["#.utf8)
        bytes.reserveCapacity(count * 130)
        for k in 0..<count {
            if k > 0 { bytes.append(contentsOf: ",\n".utf8) }
            let geometry = #"{"type":"Point","coordinates":[139.\#(k),35.5]}"#
            let properties = #"{"no":\#(k),"name":"人孔"}"#
            bytes.append(contentsOf: #"{"type":"Feature","id":\#(k),"geometry":\#(geometry),"properties":\#(properties)}"#.utf8)
        }
        bytes.append(contentsOf: "]}\n".utf8)
        let r = try GeoJSONReader(path: dir.write("large.geojson", bytes))
        let chunk = Int64(ChunkedFile.defaultChunkSize)
        #expect(r.totalBytes == Int64(bytes.count))
        #expect(r.bytesRead <= chunk)

        var seen = 0
        var progress: Set<Int64> = []
        var last: SourceFeature?
        while let feature = try r.next() {
            if seen == 0 {
                #expect(feature["no"] == .int(0))
                #expect(r.bytesRead == chunk)
            }
            progress.insert(r.bytesRead)
            seen += 1
            last = feature
        }
        #expect(seen == count)
        #expect(last?.id == "199999")
        #expect(last?["name"] == .string("人孔"))
        #expect(last?.geometry == .point(Position(139.199999, 35.5)))
        // bytesRead only ever moves a whole chunk at a time (the last one may be short).
        #expect(progress.allSatisfy { $0 % chunk == 0 || $0 == r.totalBytes })
        #expect(progress.count >= Int(r.totalBytes / chunk))
        #expect(r.peakBufferedBytes <= 2 * Int(chunk) + 1024)
    }
}
