import Foundation
import GRDB
public import MachiCore
import MachiGeometry
public import MachiHTTP

/// GeoJSON for OGC items: geometries in the requested CRS and its axis order, properties
/// typed by the layer file, and the paging links of Part 1.
public struct FeatureWriter: Sendable {
    public let store: Store
    public let layer: LayerDefinition
    public let crs: OGCCRS

    /// `,"key":` of each attribute, escaped once rather than per feature.
    let propertyKeys: [[UInt8]]
    let booleans: [Bool]
    let keyIndex: Int?

    public init(store: Store, layer: LayerDefinition, crs: OGCCRS) {
        self.store = store
        self.layer = layer
        self.crs = crs
        propertyKeys = layer.attributes.enumerated().map { i, a in
            var w = JSONByteWriter(capacity: 32)
            if i > 0 { w.raw(",") }
            w.string(a.key)
            w.raw(":")
            return w.bytes
        }
        booleans = layer.attributes.map { $0.type == .boolean }
        keyIndex = layer.key.flatMap { k in layer.attributes.firstIndex { $0.key == k } }
    }

    public func collection(_ page: ItemsPage, query: QueryParameters, offset: Int, limit: Int, base: String) throws -> [UInt8] {
        let items = base + "/ogc/collections/\(layer.name)/items"
        func url(_ changes: [String: String?]) -> String {
            let q = query.rebuilt(replacing: changes)
            return q.isEmpty ? items : items + "?" + q
        }
        var links: [JSON] = [
            OGCDocuments.link(url(["f": "json"]), "self", "application/geo+json", "This page"),
            OGCDocuments.link(url(["f": "html"]), "alternate", "text/html", "This page as HTML"),
            OGCDocuments.link(base + "/ogc/collections/\(layer.name)", "collection", "application/json", layer.titleEn),
        ]
        if offset + page.features.count < page.numberMatched {
            links.append(
                OGCDocuments.link(url(["offset": String(offset + limit), "f": "json"]), "next", "application/geo+json", "Next page"))
        }
        if offset > 0 {
            links.append(
                OGCDocuments.link(
                    // Past the end, "previous" is the last page that has features.
                    url(["offset": String(max(0, min(offset, page.numberMatched) - limit)), "f": "json"]), "prev", "application/geo+json",
                    "Previous page"))
        }
        var out = JSONByteWriter(capacity: 1024 + page.features.count * 600)
        out.raw("{\"type\":\"FeatureCollection\",\"numberMatched\":")
        out.int(Int64(page.numberMatched))
        out.raw(",\"numberReturned\":")
        out.int(Int64(page.features.count))
        out.raw(",\"timeStamp\":")
        out.string(Timestamp.now())
        out.raw(",\"links\":")
        out.raw(JSON.array(links).text)
        out.raw(",\"features\":[")
        let geometries = try transformed(page.features.map(\.geometry))
        for (i, f) in page.features.enumerated() {
            if i > 0 { out.raw(",") }
            feature(f, geometry: geometries[i], links: nil, into: &out)
        }
        out.raw("]}")
        return out.bytes
    }

    public func single(_ f: StoredFeature, base: String) throws -> [UInt8] {
        let id = FeatureSource.featureId(f, layer)
        let url = base + "/ogc/collections/\(layer.name)/items/" + QueryParameters.encode(id)
        let links: [JSON] = [
            OGCDocuments.link(url + "?f=json", "self", "application/geo+json", "This feature"),
            OGCDocuments.link(url + "?f=html", "alternate", "text/html", "This feature as HTML"),
            OGCDocuments.link(base + "/ogc/collections/\(layer.name)", "collection", "application/json", layer.titleEn),
        ]
        var out = JSONByteWriter(capacity: 2048)
        feature(f, geometry: try transformed([f.geometry])[0], links: links, into: &out)
        return out.bytes
    }

    /// Storage-CRS geometries in the output CRS and its axis order, with one PROJ call for
    /// the whole page rather than one per feature.
    func transformed(_ geometries: [Geometry]) throws -> [Geometry] {
        var all = [Position]()
        all.reserveCapacity(geometries.reduce(0) { $0 + $1.positionCount })
        for g in geometries { all.append(contentsOf: g.positions) }
        if crs.epsg != store.city.srid { try store.toLonLat.withTransformer { try $0.transform(&all) } }
        if crs.northingFirst { all = all.map { Position($0.y, $0.x) } }
        var offset = 0
        return geometries.map { g in
            let n = g.positionCount
            defer { offset += n }
            return g.replacingPositions(Array(all[offset..<(offset + n)]))
        }
    }

    func feature(_ f: StoredFeature, geometry: Geometry, links: [JSON]?, into out: inout JSONByteWriter) {
        out.raw("{\"type\":\"Feature\",\"id\":")
        if let k = keyIndex, case .string(let id) = f.values[k].storage {
            out.string(id)
        } else {
            out.int(f.fid)
        }
        out.raw(",\"geometry\":")
        out.geometry(geometry, decimals: crs.decimals)
        out.raw(",\"properties\":{")
        for i in 0..<propertyKeys.count {
            out.bytes.append(contentsOf: propertyKeys[i])
            let v = f.values[i]
            if booleans[i], case .int64(let b) = v.storage {
                out.raw(b != 0 ? "true" : "false")
            } else {
                out.value(v)
            }
        }
        out.raw("}")
        if let links {
            out.raw(",\"links\":")
            out.raw(JSON.array(links).text)
        }
        out.raw("}")
    }
}
