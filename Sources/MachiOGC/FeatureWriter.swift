import GRDB
public import MachiCore
import MachiGeometry

/// GeoJSON for OGC items: geometries in the requested CRS and its axis order, properties
/// typed by the layer file, and the paging links of Part 1.
public struct FeatureWriter: Sendable {
    public let store: Store
    public let layer: LayerDefinition
    public let crs: OGCCRS

    public init(store: Store, layer: LayerDefinition, crs: OGCCRS) {
        self.store = store
        self.layer = layer
        self.crs = crs
    }

    public func collection(_ page: ItemsPage, query: OGCQuery, offset: Int, limit: Int, base: String) throws -> String {
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
                    url(["offset": String(max(0, offset - limit)), "f": "json"]), "prev", "application/geo+json", "Previous page"))
        }
        var out = "{\"type\":\"FeatureCollection\",\"numberMatched\":\(page.numberMatched),\"numberReturned\":\(page.features.count)"
        out += ",\"timeStamp\":\"\(Timestamp.now())\",\"links\":"
        JSON.array(links).write(into: &out)
        out += ",\"features\":["
        try store.toLonLat.withTransformer { t in
            for (i, f) in page.features.enumerated() {
                if i > 0 { out += "," }
                try feature(f, toLonLat: t, links: nil, into: &out)
            }
        }
        out += "]}"
        return out
    }

    public func single(_ f: StoredFeature, base: String) throws -> String {
        let id = FeatureSource.featureId(f, layer)
        let url = base + "/ogc/collections/\(layer.name)/items/" + OGCQuery.encode(id)
        let links: [JSON] = [
            OGCDocuments.link(url + "?f=json", "self", "application/geo+json", "This feature"),
            OGCDocuments.link(url + "?f=html", "alternate", "text/html", "This feature as HTML"),
            OGCDocuments.link(base + "/ogc/collections/\(layer.name)", "collection", "application/json", layer.titleEn),
        ]
        var out = ""
        try store.toLonLat.withTransformer { t in try feature(f, toLonLat: t, links: links, into: &out) }
        return out
    }

    func feature(_ f: StoredFeature, toLonLat: CoordinateTransformer, links: [JSON]?, into out: inout String) throws {
        out += "{\"type\":\"Feature\",\"id\":"
        if let key = layer.key, let k = f.string(key, in: layer) {
            GeoJSONWriter.escape(k, into: &out)
        } else {
            out += String(f.fid)
        }
        out += ",\"geometry\":"
        GeoJSONWriter.geometry(
            try crs.fromStorage(f.geometry, storageSRID: store.city.srid, toLonLat: toLonLat), decimals: crs.decimals, into: &out)
        out += ",\"properties\":{"
        for (i, a) in layer.attributes.enumerated() {
            if i > 0 { out += "," }
            GeoJSONWriter.escape(a.key, into: &out)
            out += ":"
            let v = f.values[i]
            if a.type == .boolean, case .int64(let b) = v.storage {
                out += b != 0 ? "true" : "false"
            } else {
                GeoJSONWriter.value(v, into: &out)
            }
        }
        out += "}"
        if let links {
            out += ",\"links\":"
            JSON.array(links).write(into: &out)
        }
        out += "}"
    }
}
