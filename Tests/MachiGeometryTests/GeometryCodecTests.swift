import Testing

@testable import MachiGeometry

@Suite struct GeometryCodecTests {
    let samples: [Geometry] = [
        .point(Position(1.5, -2)),
        .lineString([Position(0, 0), Position(3, 4), Position(6, 0)]),
        .polygon([
            [Position(0, 0), Position(10, 0), Position(10, 10), Position(0, 0)],
            [Position(2, 1), Position(3, 1), Position(3, 2), Position(2, 1)],
        ]),
        .multiPoint([Position(1, 1), Position(2, 2)]),
        .multiLineString([[Position(0, 0), Position(1, 1)], [Position(2, 2), Position(3, 5)]]),
        .multiPolygon([
            [[Position(0, 0), Position(1, 0), Position(1, 1), Position(0, 0)]],
            [[Position(5, 5), Position(6, 5), Position(6, 6), Position(5, 5)]],
        ]),
    ]

    @Test func wkbRoundTrips() throws {
        for g in samples {
            #expect(try Geometry(wkb: g.wkb) == g)
        }
    }

    @Test func spatiaLiteBlobRoundTripsWithSRIDAndMBR() throws {
        for g in samples {
            let blob = SpatiaLiteBlob.encode(g, srid: 6674)
            let (back, srid) = try SpatiaLiteBlob.decode(blob)
            #expect(back == g)
            #expect(srid == 6674)
            #expect(blob.first == 0x00 && blob.last == 0xFE && blob[38] == 0x7C)
        }
    }

    @Test func truncatedAndHostileBlobsAreErrorsNotCrashes() {
        let blob = SpatiaLiteBlob.encode(samples[1], srid: 6674)
        #expect(throws: GeometryDecodingError.self) { try SpatiaLiteBlob.decode(Array(blob.prefix(50)) + [0xFE]) }
        var wkb = samples[1].wkb
        wkb[5] = 0xFF
        wkb[6] = 0xFF
        wkb[7] = 0xFF
        wkb[8] = 0x7F  // 2 billion points claimed in a 57-byte buffer
        #expect(throws: GeometryDecodingError.self) { try Geometry(wkb: wkb) }
    }

    @Test func planarDistanceToLineMeasuresToSegmentsNotVertices() {
        let line = Geometry.lineString([Position(0, 0), Position(10, 0)])
        #expect(line.planarDistance(to: Position(5, 3)) == 3)
        #expect(line.planarDistance(to: Position(13, 4)) == 5)
        #expect(line.planarLength == 10)
        let square = samples[2]
        #expect(square.planarDistance(to: Position(8, 2)) == 0)  // inside the shell
        #expect(square.planarDistance(to: Position(2.5, 1.2)) > 0)  // inside the hole
    }

    @Test func geosReportsSelfIntersectionWithItsReason() throws {
        let bowtie = Geometry.polygon([[Position(0, 0), Position(10, 10), Position(10, 0), Position(0, 10), Position(0, 0)]])
        let reason = try GEOSContext().invalidityReason(bowtie)
        #expect(reason?.hasPrefix("Self-intersection") == true)
        #expect(try GEOSContext().invalidityReason(samples[2]) == nil)
    }

    @Test func geosDistanceAgreesWithPlanarDistance() throws {
        let ctx = GEOSContext()
        let line = samples[1]
        for p in [Position(3, 0), Position(-1, 7), Position(6, 6)] {
            let geos = try ctx.distance(line, .point(p))
            #expect(abs(geos - line.planarDistance(to: p)) < 1e-9)
        }
    }

    @Test func projTransformsSettsuCityHallToZoneVI() throws {
        // 摂津市役所 about 135.5620 E, 34.7773 N. Zone VI origin is 136°E 36°N, so easting is
        // negative (west) and northing negative (south): roughly −40 km and −136 km.
        let toPlane = try CoordinateTransformer(from: "OGC:CRS84", to: "EPSG:6674")
        let p = try toPlane.transform(.point(Position(135.5620, 34.7773)))
        guard case .point(let q) = p else { Issue.record("not a point"); return }
        #expect(q.x > -41_000 && q.x < -39_000)
        #expect(q.y > -137_000 && q.y < -135_000)
        let back = try CoordinateTransformer(from: "EPSG:6674", to: "OGC:CRS84").transform(p)
        guard case .point(let r) = back else { return }
        #expect(abs(r.x - 135.5620) < 1e-9 && abs(r.y - 34.7773) < 1e-9)
    }

    @Test func planeDistanceMatchesGeodesicWithinScaleFactor() throws {
        let pool = try TransformerPool(from: "OGC:CRS84", to: "EPSG:6674")
        let a = Position(135.55, 34.77)
        let b = Position(135.56, 34.78)
        let d = Geometry.dist(try pool.transform(a), try pool.transform(b))
        let g = Geodesic.distance(a, b)
        // Zone VI scale factor is 0.9999 at the meridian; Settsu is ~40 km off it.
        #expect(abs(d - g) / g < 2e-4)
    }
}
