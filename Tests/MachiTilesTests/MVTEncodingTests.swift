import MachiGeometry
import MachiTiles
import Testing

/// The encoder against the Mapbox Vector Tile 2.1 spec: its worked examples (section 4.3.5)
/// and bytes computed by hand from the protobuf wire rules.
@Suite struct MVTEncodingTests {
    @Test(arguments: [(Int32(0), UInt32(0)), (-1, 1), (1, 2), (-2, 3), (2, 4), (Int32.max, UInt32.max - 1), (Int32.min, UInt32.max)])
    func zigzag(_ n: Int32, _ expected: UInt32) {
        #expect(ProtobufWriter.zigzag32(n) == expected)
        #expect(ProtobufWriter.zigzag(Int64(n)) == UInt64(expected))
    }

    @Test func varintsAreLittleEndianBase128() {
        var w = ProtobufWriter()
        w.varint(1)
        w.varint(127)
        w.varint(128)
        w.varint(300)
        w.varint(4096)
        #expect(w.bytes == [0x01, 0x7f, 0x80, 0x01, 0xac, 0x02, 0x80, 0x20])
    }

    @Test func commandIntegers() {
        // MoveTo(1) = 9, LineTo(3) = 26, ClosePath(1) = 15 (spec 4.3.1).
        #expect(TileGeometry.points([TilePoint(0, 0)]).commands.first == 9)
        #expect(TileGeometry.lines([[TilePoint(0, 0), TilePoint(1, 0), TilePoint(2, 0), TilePoint(3, 0)]]).commands[3] == 26)
        let square = [TilePoint(0, 0), TilePoint(10, 0), TilePoint(10, 10), TilePoint(0, 0)]
        #expect(TileGeometry.polygons([[square]]).commands.last == 15)
    }

    @Test func specExamplePoint() {
        #expect(TileGeometry.points([TilePoint(25, 17)]).commands == [9, 50, 34])
    }

    @Test func specExampleMultiPoint() {
        #expect(TileGeometry.points([TilePoint(5, 7), TilePoint(3, 2)]).commands == [17, 10, 14, 3, 9])
    }

    @Test func specExampleLineString() {
        let line = [TilePoint(2, 2), TilePoint(2, 10), TilePoint(10, 10)]
        #expect(TileGeometry.lines([line]).commands == [9, 4, 4, 18, 0, 16, 16, 0])
    }

    @Test func specExampleMultiLineStringCursorRunsAcrossParts() {
        let a = [TilePoint(2, 2), TilePoint(2, 10), TilePoint(10, 10)]
        let b = [TilePoint(1, 1), TilePoint(3, 5)]
        #expect(TileGeometry.lines([a, b]).commands == [9, 4, 4, 18, 0, 16, 16, 0, 9, 17, 17, 10, 4, 8])
    }

    @Test func specExamplePolygon() {
        let ring = [TilePoint(3, 6), TilePoint(8, 12), TilePoint(20, 34), TilePoint(3, 6)]
        #expect(TileGeometry.polygons([[ring]]).commands == [9, 6, 12, 18, 10, 12, 24, 44, 15])
    }

    @Test func specExampleMultiPolygonWithHole() {
        let p1 = [TilePoint(0, 0), TilePoint(10, 0), TilePoint(10, 10), TilePoint(0, 10), TilePoint(0, 0)]
        let p2 = [TilePoint(11, 11), TilePoint(20, 11), TilePoint(20, 20), TilePoint(11, 20), TilePoint(11, 11)]
        let hole = [TilePoint(13, 13), TilePoint(13, 17), TilePoint(17, 17), TilePoint(17, 13), TilePoint(13, 13)]
        #expect(TileGeometry.doubleSignedArea(p1) > 0, "exterior rings have positive area")
        #expect(TileGeometry.doubleSignedArea(hole) < 0, "interior rings have negative area")
        #expect(
            TileGeometry.polygons([[p1], [p2, hole]]).commands == [
                9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15, 9, 22, 2, 26, 18, 0, 0, 18, 17, 0, 15, 9, 4, 13, 26, 0, 8, 8, 0, 0, 7, 15,
            ])
    }

    /// One layer "a" with one point feature: every byte derived by hand from the wire format.
    @Test func wholeTileBytes() {
        var layer = MVTLayer(name: "a")
        layer.add(id: 1, properties: [("k", .string("v")), ("missing", nil)], geometry: .points([TilePoint(25, 17)]))
        let feature: [UInt8] = [0x08, 0x01, 0x12, 0x02, 0x00, 0x00, 0x18, 0x01, 0x22, 0x03, 0x09, 0x32, 0x22]
        var body: [UInt8] = [0x0a, 0x01, 0x61, 0x12, UInt8(feature.count)] + feature
        body += [0x1a, 0x01, 0x6b]  // keys: "k"
        body += [0x22, 0x03, 0x0a, 0x01, 0x76]  // values: string "v"
        body += [0x28, 0x80, 0x20]  // extent 4096
        body += [0x78, 0x02]  // version 2
        #expect(MVTEncoder.tile([layer]) == [0x1a, UInt8(body.count)] + body)
    }

    @Test func valuesAreTypedAndShared() {
        var layer = MVTLayer(name: "v")
        let props: [(String, TileValue?)] = [
            ("n", .int(300)), ("neg", .int(-3)), ("r", .double(1.5)), ("b", .bool(true)), ("s", .string("汚水")),
        ]
        layer.add(id: 1, properties: props, geometry: .points([TilePoint(1, 1)]))
        layer.add(id: 2, properties: props, geometry: .points([TilePoint(2, 2)]))
        let decoded = DecodedTile(MVTEncoder.tile([layer]))
        let l = decoded.layers[0]
        #expect(l.keys == ["n", "neg", "r", "b", "s"])
        #expect(l.values == [.int(300), .int(-3), .double(1.5), .bool(true), .string("汚水")], "each value stored once")
        #expect(l.features.map(\.tags) == [[0, 0, 1, 1, 2, 2, 3, 3, 4, 4], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]])
        #expect(l.features.map(\.id) == [1, 2])
        #expect(l.version == 2 && l.extent == 4096)
    }

    @Test func emptyLayersAreLeftOut() {
        let empty = MVTLayer(name: "empty")
        var full = MVTLayer(name: "full")
        full.add(id: nil, properties: [], geometry: .points([TilePoint(1, 1)]))
        #expect(DecodedTile(MVTEncoder.tile([empty, full])).layers.map(\.name) == ["full"])
        #expect(MVTEncoder.tile([empty]).isEmpty)
    }

    @Test func gzipRoundTrips() {
        let data = [UInt8]((0..<5000).map { UInt8($0 % 7) })
        let z = Gzip.compress(data)
        #expect(z.prefix(2) == [0x1f, 0x8b])
        #expect(z.count < data.count / 10)
        #expect(Gzip.decompress(z) == data)
    }
}
