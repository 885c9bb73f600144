import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiGeometry
import MachiOGC
import MachiTestSupport
import Testing

/// OGC API – Features Parts 1–3 over HTTP on the sample ledger; every expected number is
/// computed from the database.
@Suite struct OGCAPITests {
    @Test func landingPageLinksAndConformance() async throws {
        let env = try TestEnvironment.withSampleLedger()
        try await withApp(env) { client in
            let landing = try json(try await client.get("/ogc"))
            let links = try #require(landing["links"] as? [[String: String]])
            let rels = Dictionary(links.map { ($0["rel"]!, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(rels["service-desc"]?["type"] == "application/vnd.oai.openapi+json;version=3.0")
            #expect(rels["service-desc"]?["href"]?.hasSuffix("/ogc/api") == true)
            #expect(rels["conformance"]?["href"]?.hasSuffix("/ogc/conformance") == true)
            #expect(rels["data"]?["href"]?.hasSuffix("/ogc/collections") == true)
            let conf = try json(try await client.get("/ogc/conformance"))
            let classes = try #require(conf["conformsTo"] as? [String])
            #expect(classes == OGCDocuments.conformance)
            for c in [
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core", "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter", "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
            ] { #expect(classes.contains(c)) }
        }
    }

    @Test func collectionsListOnlyPublicLayersWithTheirDataExtent() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let extent: [Double] = try syncRead(env) { db in
            let row = try Row.fetchOne(
                db,
                sql:
                    "SELECT MbrMinX(e), MbrMinY(e), MbrMaxX(e), MbrMaxY(e) FROM (SELECT Transform(Extent(geom), 4326) AS e FROM sewer_pipes)"
            )!
            return (0..<4).map { row[$0] as Double }
        }
        try await withApp(env) { client in
            let r = try await client.get("/ogc/collections")
            #expect(r.headers[.contentType] == "application/json")
            let cs = try #require(try json(r)["collections"] as? [[String: Any]])
            let ids = cs.compactMap { $0["id"] as? String }
            let publicLayers = env.store.catalog.layers.filter(\.access.isPublic).map(\.name)
            #expect(Set(ids) == Set(publicLayers))
            #expect(!ids.contains("parking_incidents"), "staff layers are not listed for the public")
            let pipes = try #require(cs.first { $0["id"] as? String == "sewer_pipes" })
            let bbox = try #require(((pipes["extent"] as? [String: Any])?["spatial"] as? [String: Any])?["bbox"] as? [[Double]])
            for i in 0..<4 { #expect(abs(bbox[0][i] - extent[i]) < 2e-5, "extent \(bbox[0]) vs \(extent)") }
            #expect(pipes["storageCrs"] as? String == "http://www.opengis.net/def/crs/EPSG/0/6674")
            #expect((pipes["crs"] as? [String])?.contains("http://www.opengis.net/def/crs/OGC/1.3/CRS84") == true)
            let one = try json(try await client.get("/ogc/collections/sewer_pipes"))
            #expect(one["id"] as? String == "sewer_pipes" && one["itemType"] as? String == "feature")
            #expect(try await client.get("/ogc/collections/no_such_layer").status == .notFound)
        }
    }

    @Test func itemsPageWithCountsAndLinks() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let total = try env.count("sewer_pipes")
        let expectedIds = try syncRead(env) {
            try String.fetchAll($0, sql: "SELECT pipe_no FROM sewer_pipes ORDER BY fid LIMIT 7 OFFSET 14")
        }
        try await withApp(env) { client in
            let r = try await client.get("/ogc/collections/sewer_pipes/items?limit=7&offset=14")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/geo+json")
            #expect(r.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
            let body = try json(r)
            #expect(body["numberMatched"] as? Int == total)
            #expect(body["numberReturned"] as? Int == 7)
            #expect((body["timeStamp"] as? String)?.count ?? 0 >= 20)
            let features = try #require(body["features"] as? [[String: Any]])
            #expect(features.compactMap { $0["id"] as? String } == expectedIds)
            let links = try #require(body["links"] as? [[String: String]])
            let next = try #require(links.first { $0["rel"] == "next" }?["href"])
            let prev = try #require(links.first { $0["rel"] == "prev" }?["href"])
            #expect(next.contains("offset=21") && next.contains("limit=7"))
            #expect(prev.contains("offset=7"))
            let first = try json(try await client.get("/ogc/collections/sewer_pipes/items"))
            #expect(first["numberReturned"] as? Int == 10, "default limit")
            #expect((first["links"] as? [[String: String]])?.contains { $0["rel"] == "prev" } == false)
            let last = try json(try await client.get("/ogc/collections/sewer_pipes/items?limit=10000&offset=\(total - 3)"))
            #expect(last["numberReturned"] as? Int == 3)
            #expect((last["links"] as? [[String: String]])?.contains { $0["rel"] == "next" } == false)
            // Past the end, "prev" leads back to the last page with features.
            let beyond = try json(try await client.get("/ogc/collections/sewer_pipes/items?limit=10&offset=\(total + 500)"))
            #expect(beyond["numberReturned"] as? Int == 0)
            let back = try #require((beyond["links"] as? [[String: String]])?.first { $0["rel"] == "prev" }?["href"])
            #expect(back.contains("offset=\(total - 10)&") || back.hasSuffix("offset=\(total - 10)"), "\(back)")
        }
    }

    @Test(arguments: [
        ("/ogc/collections/sewer_pipes/items?limit=10001", "limit"),
        ("/ogc/collections/sewer_pipes/items?limit=0", "limit"),
        ("/ogc/collections/sewer_pipes/items?offset=-1", "offset"),
        ("/ogc/collections/sewer_pipes/items?bbox=1,2,3", "bbox"),
        ("/ogc/collections/sewer_pipes/items?bbox=135.6,34.7,135.5,34.8", "bbox"),
        ("/ogc/collections/sewer_pipes/items?bbox=34.7,135.5,34.8,135.6&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84", "bbox"),
        ("/ogc/collections/sewer_pipes/items?crs=http://www.opengis.net/def/crs/EPSG/0/3857", "crs"),
        ("/ogc/collections/sewer_pipes/items?bbox-crs=EPSG:6674", "bbox-crs"),
        ("/ogc/collections/sewer_pipes/items?diameter_mm=wide", "diameter_mm"),
        ("/ogc/collections/sewer_pipes/items?colour=red", "colour"),
        ("/ogc/collections/sewer_pipes/items?limit=1&limit=2", "limit"),
        ("/ogc/collections/sewer_pipes/items?filter=x&filter-lang=cql2-json", "filter-lang"),
        ("/ogc/collections/sewer_pipes/items?bbox=135.5,34.7,9,135.6,34.8,0", "bbox"),
        ("/ogc/collections/sewer_pipes/items?f=xml", "f"),
        ("/ogc/collections/sewer_pipes/items/G-00001?crs=EPSG:1", "crs"),
        ("/ogc?bbox=1,2,3,4", "bbox"),
    ])
    func badParametersAre400ProblemsNamingThem(_ uri: String, _ parameter: String) async throws {
        let env = try TestEnvironment.withSampleLedger()
        try await withApp(env) { client in
            let r = try await client.get(uri)
            #expect(r.status == .badRequest, "\(uri)")
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(try json(r)["parameter"] as? String == parameter, "\(uri)")
        }
    }

    /// Core parameters every collection takes: a 3D bbox is read for its 2D extent and
    /// `datetime` on a timeless collection filters nothing.
    @Test func threeDimensionalBBoxAndDatetimeOnATimelessCollection() async throws {
        let env = try TestEnvironment.withSampleLedger()
        try await withApp(env) { client in
            func matched(_ q: String) async throws -> Int? {
                let r = try await client.get("/ogc/collections/sewer_pipes/items?limit=1&\(q)")
                #expect(r.status == .ok, "\(q): \(String(buffer: r.body).prefix(200))")
                return try json(r)["numberMatched"] as? Int
            }
            let flat = try await matched("bbox=135.56,34.77,135.57,34.78")
            #expect((flat ?? 0) > 0)
            #expect(try await matched("bbox=135.56,34.77,-10,135.57,34.78,50") == flat)
            #expect(try await matched("datetime=2024-01-01") == (try await matched("")))
            let head = try await client.execute(uri: "/ogc/collections/sewer_pipes/items?limit=1", method: .head, headers: [:], body: nil)
            #expect(head.status == .ok)
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test func malformedFilterNamesThePosition() async throws {
        let env = try TestEnvironment.withSampleLedger()
        try await withApp(env) { client in
            let r = try await client.get("/ogc/collections/sewer_pipes/items?filter=diameter_mm%20%3E%3D%20300%20AND%20(system%20%3D%20'x'")
            #expect(r.status == .badRequest)
            let body = try json(r)
            #expect(body["parameter"] as? String == "filter")
            #expect(body["position"] as? Int == 37)
            #expect((body["detail"] as? String)?.contains("position 37") == true)
            let t = try json(try await client.get("/ogc/collections/sewer_pipes/items?filter=diameter_mm='x'"))
            #expect(t["position"] as? Int == 13)
        }
    }

    @Test func bboxIsExactNotJustTheIndexBox() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let (w, s, e, n) = (135.555, 34.770, 135.565, 34.780)
        let (exact, boxes): (Int, Int) = try syncRead(env) { db in
            let poly = "Transform(BuildMbr(\(w), \(s), \(e), \(n), 4326), 6674)"
            return (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sewer_pipes WHERE ST_Intersects(geom, \(poly)) = 1")!,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM sewer_pipes WHERE MbrIntersects(geom, \(poly)) = 1")!
            )
        }
        #expect(exact > 0 && exact <= boxes)
        try await withApp(env) { client in
            let body = try json(try await client.get("/ogc/collections/sewer_pipes/items?bbox=\(w),\(s),\(e),\(n)&limit=1000"))
            #expect(body["numberMatched"] as? Int == exact)
            #expect((body["features"] as? [Any])?.count == exact)
            let again = try json(try await client.get("/ogc/collections/sewer_pipes/items?bbox=\(w),\(s),\(e),\(n)&limit=5&offset=5"))
            #expect(again["numberMatched"] as? Int == exact, "paging keeps the count")
            #expect(again["numberReturned"] as? Int == min(5, max(0, exact - 5)))
        }
    }

    /// Part 2: a bbox in the plane CS comes in its axis order (northing first), and output
    /// coordinates follow the requested CRS's axis order.
    @Test func crsAndBboxCrsFollowTheAxisOrderOfTheCRS() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let (minE, minN, maxE, maxN) = (-40_500.0, -135_300.0, -39_500.0, -134_300.0)
        let want: Int = try syncRead(env) { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM sewer_pipes WHERE ST_Intersects(geom, BuildMbr(?, ?, ?, ?, 6674)) = 1",
                arguments: [minE, minN, maxE, maxN])!
        }
        #expect(want > 0)
        let first = try #require(try lonLat(env, "sewer_pipes").first)
        try await withApp(env) { client in
            let bboxCRS = "bbox-crs=http://www.opengis.net/def/crs/EPSG/0/6674"
            let r = try json(
                try await client.get("/ogc/collections/sewer_pipes/items?bbox=\(minN),\(minE),\(maxN),\(maxE)&\(bboxCRS)&limit=1"))
            #expect(r["numberMatched"] as? Int == want)

            let plane = try await client.get("/ogc/collections/sewer_pipes/items/\(first.0)?crs=http://www.opengis.net/def/crs/EPSG/0/6674")
            #expect(plane.headers[HTTPField.Name("Content-Crs")!] == "<http://www.opengis.net/def/crs/EPSG/0/6674>")
            let pc = try #require(((try json(plane))["geometry"] as? [String: Any])?["coordinates"] as? [[Double]])
            #expect(abs(pc[0][0] - first.1.positions[0].y) < 0.001 && abs(pc[0][1] - first.1.positions[0].x) < 0.001, "northing, easting")

            let lat = try json(try await client.get("/ogc/collections/sewer_pipes/items/\(first.0)?crs=EPSG:4326"))
            let lc = try #require((lat["geometry"] as? [String: Any])?["coordinates"] as? [[Double]])
            #expect(abs(lc[0][0] - first.2.positions[0].y) < 1e-6 && abs(lc[0][1] - first.2.positions[0].x) < 1e-6, "lat, lon")

            let lon = try json(try await client.get("/ogc/collections/sewer_pipes/items/\(first.0)"))
            let oc = try #require((lon["geometry"] as? [String: Any])?["coordinates"] as? [[Double]])
            #expect(abs(oc[0][0] - first.2.positions[0].x) < 1e-6 && abs(oc[0][1] - first.2.positions[0].y) < 1e-6, "CRS84: lon, lat")
        }
    }

    @Test func attributeFiltersAndCQL2Filters() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let sewage = try syncRead(env) { try Int.fetchOne($0, sql: "SELECT count(*) FROM sewer_pipes WHERE system = '汚水'")! }
        let big = try syncRead(env) {
            try Int.fetchOne(
                $0, sql: "SELECT count(*) FROM sewer_pipes WHERE system = '汚水' AND diameter_mm >= 300 AND material IN ('HP', 'VU')")!
        }
        try await withApp(env) { client in
            let a = try json(try await client.get("/ogc/collections/sewer_pipes/items?system=%E6%B1%9A%E6%B0%B4&limit=2"))
            #expect(a["numberMatched"] as? Int == sewage)
            // Form encoding as Python's requests sends it: "+" for spaces.
            let q = "system+%3D+%27%E6%B1%9A%E6%B0%B4%27+AND+diameter_mm+%3E%3D+300+AND+material+IN+(%27HP%27,%27VU%27)"
            let f = try json(try await client.get("/ogc/collections/sewer_pipes/items?filter=\(q)&filter-lang=cql2-text&limit=3"))
            #expect(f["numberMatched"] as? Int == big)
            for feature in try #require(f["features"] as? [[String: Any]]) {
                let p = try #require(feature["properties"] as? [String: Any])
                #expect(p["system"] as? String == "汚水" && (p["diameter_mm"] as? Int ?? 0) >= 300)
            }
            let none = try json(try await client.get("/ogc/collections/sewer_pipes/items?system=%E6%B1%9A%E6%B0%B4'%20OR%20'1'='1"))
            #expect(none["numberMatched"] as? Int == 0, "an injected value is just a value")
        }
    }

    @Test func singleFeatureQueryablesAndOpenAPI() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let layer = try env.store.layer("sewer_pipes")
        try await withApp(env) { client in
            let f = try json(try await client.get("/ogc/collections/sewer_pipes/items/G-00001"))
            #expect(f["type"] as? String == "Feature" && f["id"] as? String == "G-00001")
            #expect((f["links"] as? [[String: String]])?.contains { $0["rel"] == "collection" } == true)
            #expect(try await client.get("/ogc/collections/sewer_pipes/items/NO-SUCH").status == .notFound)

            let qr = try await client.get("/ogc/collections/sewer_pipes/queryables")
            #expect(qr.headers[.contentType] == "application/schema+json")
            let props = try #require(try json(qr)["properties"] as? [String: [String: Any]])
            #expect(Set(props.keys) == Set(layer.attributes.map(\.key) + ["geometry"]))
            #expect(props["diameter_mm"]?["type"] as? String == "integer")
            #expect(props["system"]?["enum"] as? [String] == ["合流", "汚水", "雨水"])
            #expect(props["geometry"]?["format"] as? String == "geometry-linestring")

            let api = try await client.get("/ogc/api")
            #expect(api.headers[.contentType] == "application/vnd.oai.openapi+json;version=3.0")
            let doc = try json(api)
            #expect(doc["openapi"] as? String == "3.0.3")
            let paths = try #require(doc["paths"] as? [String: [String: Any]])
            let items = try #require((paths["/collections/sewer_pipes/items"]?["get"] as? [String: Any])?["parameters"] as? [[String: Any]])
            let names = items.compactMap { $0["name"] as? String }
            #expect(Set(layer.attributes.map(\.key)).isSubset(of: Set(names)))
            let limit = try #require(((doc["components"] as? [String: Any])?["parameters"] as? [String: [String: Any]])?["limit"])
            #expect((limit["schema"] as? [String: Any])?["maximum"] as? Int == 10_000)
        }
    }

    @Test func htmlByAcceptHeaderOrF() async throws {
        let env = try TestEnvironment.withSampleLedger()
        try await withApp(env) { client in
            let browser: HTTPFields = [.accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]
            for path in [
                "/ogc", "/ogc/conformance", "/ogc/api", "/ogc/collections", "/ogc/collections/sewer_pipes",
                "/ogc/collections/sewer_pipes/items", "/ogc/collections/sewer_pipes/items/G-00001",
            ] {
                let r = try await client.get(path, browser)
                #expect(r.status == .ok, "\(path)")
                #expect(r.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                #expect(String(buffer: r.body).hasPrefix("<!DOCTYPE html>"))
            }
            #expect(
                try await client.get("/ogc/collections/sewer_pipes/items?f=json", browser).headers[.contentType] == "application/geo+json")
            #expect(try await client.get("/ogc?f=html").headers[.contentType] == "text/html; charset=utf-8")
            #expect(try await client.get("/ogc", [.accept: "application/json"]).headers[.contentType] == "application/json")
            let page = String(buffer: try await client.get("/ogc/collections/sewer_pipes/items?f=html&limit=3").body)
            #expect(page.contains("G-00001") && page.contains("次へ"))
        }
    }
}
