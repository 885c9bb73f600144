public import MachiCore
public import MachiHTTP

/// The HTML encoding of Part 1 (conformance class "html"): plain pages a person can browse
/// from the landing page to a single feature. Every value is escaped.
public enum HTMLPages {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func page(_ title: String, base: String, crumbs: [(String, String)], body: String) -> String {
        let trail = ([("OGC API", base + "/ogc?f=html")] + crumbs).map { "<a href=\"\(escape($0.1))\">\(escape($0.0))</a>" }
            .joined(separator: " › ")
        return """
            <!DOCTYPE html>
            <html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <style>body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem}table{border-collapse:collapse}
            td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}nav{margin-bottom:1rem}
            code{background:#f4f4f4;padding:0 .2rem}</style></head>
            <body><nav>\(trail)</nav><h1>\(escape(title))</h1>
            \(body)
            </body></html>
            """
    }

    static func link(_ href: String, _ text: String) -> String { "<a href=\"\(escape(href))\">\(escape(text))</a>" }

    public static func landing(_ docs: OGCDocuments, base: String) -> String {
        let o = base + "/ogc"
        return page(
            docs.title, base: base, crumbs: [],
            body: """
                <p>\(escape(docs.store.city.attribution.joined(separator: " / ")))</p>
                <ul><li>\(link(o + "/collections?f=html", "Collections / レイヤ一覧"))</li>
                <li>\(link(o + "/conformance?f=html", "Conformance"))</li>
                <li>\(link(o + "/api?f=html", "API documentation"))（\(link(o + "/api", "OpenAPI 3.0 JSON"))）</li></ul>
                """)
    }

    public static func conformance(base: String) -> String {
        let items = OGCDocuments.conformance.map { "<li><code>\(escape($0))</code></li>" }.joined()
        return page("Conformance", base: base, crumbs: [("Conformance", base + "/ogc/conformance?f=html")], body: "<ul>\(items)</ul>")
    }

    public static func api(_ layers: [LayerDefinition], base: String) -> String {
        let o = base + "/ogc"
        var rows = [
            ("/ogc", "Landing page"), ("/ogc/conformance", "Conformance classes"), ("/ogc/api", "OpenAPI 3.0 definition (JSON)"),
            ("/ogc/collections", "Collections"), ("/ogc/collections/{collectionId}", "One collection with its extent"),
            (
                "/ogc/collections/{collectionId}/items",
                "Features: bbox, bbox-crs, crs, limit (1–\(ItemsParameters.maxLimit), default \(ItemsParameters.defaultLimit)), offset, datetime, filter (CQL2 text), filter-crs, attribute=value, f"
            ),
            ("/ogc/collections/{collectionId}/items/{featureId}", "One feature: crs, f"),
            ("/ogc/collections/{collectionId}/queryables", "JSON Schema of the filterable properties"),
        ].map { "<tr><td><code>\(escape($0.0))</code></td><td>\(escape($0.1))</td></tr>" }.joined()
        rows +=
            "<tr><td>collections</td><td>\(layers.map { link(o + "/collections/\($0.name)?f=html", $0.name) }.joined(separator: ", "))</td></tr>"
        return page(
            "API", base: base, crumbs: [("API", o + "/api?f=html")],
            body: "<p>\(link(o + "/api", "OpenAPI 3.0 (JSON)"))</p><table><tr><th>path</th><th>what</th></tr>\(rows)</table>")
    }

    public static func collections(_ layers: [LayerDefinition], base: String) -> String {
        let rows = layers.map { l in
            "<tr><td>\(link(base + "/ogc/collections/\(l.name)?f=html", l.name))</td><td>\(escape(l.titleJa))</td><td>\(escape(l.titleEn))</td>"
                + "<td>\(escape(l.geometryType.rawValue))</td><td>\(l.access.isPublic ? "公開" : "職員")</td></tr>"
        }.joined()
        return page(
            "Collections", base: base, crumbs: [("Collections", base + "/ogc/collections?f=html")],
            body: "<table><tr><th>id</th><th>名称</th><th>title</th><th>geometry</th><th>access</th></tr>\(rows)</table>")
    }

    public static func collection(_ layer: LayerDefinition, extent: JSON, base: String) -> String {
        let c = base + "/ogc/collections/\(layer.name)"
        let attrs = layer.attributes.map { a in
            "<tr><td><code>\(escape(a.key))</code></td><td>\(escape(a.label))</td><td>\(escape(a.labelEn ?? ""))</td><td>\(a.type.rawValue)</td>"
                + "<td>\(escape(a.unit ?? ""))</td></tr>"
        }.joined()
        return page(
            "\(layer.titleJa) / \(layer.titleEn)", base: base,
            crumbs: [("Collections", base + "/ogc/collections?f=html"), (layer.name, c + "?f=html")],
            body: """
                <p>\(escape(OGCDocuments.description(layer)))</p>
                <p>\(link(c + "/items?f=html", "Features / 地物一覧")) · \(link(c + "/items?f=json", "GeoJSON")) · \(link(c + "/queryables", "Queryables"))</p>
                <p>extent: <code>\(escape(extent.text))</code></p>
                <table><tr><th>key</th><th>項目</th><th>attribute</th><th>type</th><th>unit</th></tr>\(attrs)</table>
                """)
    }

    public static func items(_ layer: LayerDefinition, page p: ItemsPage, query: QueryParameters, offset: Int, limit: Int, base: String)
        -> String
    {
        let c = base + "/ogc/collections/\(layer.name)"
        let head = "<tr><th>id</th>" + layer.attributes.map { "<th>\(escape($0.label))</th>" }.joined() + "</tr>"
        let rows = p.features.map { f in
            let id = FeatureSource.featureId(f, layer)
            let cells = f.values.map { "<td>\(escape(String.fromDatabaseValue($0) ?? $0.description.replacingNull))</td>" }.joined()
            return "<tr><td>\(link(c + "/items/" + QueryParameters.encode(id) + "?f=html", id))</td>\(cells)</tr>"
        }.joined()
        var nav = [String]()
        if offset > 0 {
            nav.append(link(c + "/items?" + query.rebuilt(replacing: ["offset": String(max(0, offset - limit)), "f": "html"]), "← 前へ"))
        }
        if offset + p.features.count < p.numberMatched {
            nav.append(link(c + "/items?" + query.rebuilt(replacing: ["offset": String(offset + limit), "f": "html"]), "次へ →"))
        }
        let range = p.features.isEmpty ? "0" : "\(offset + 1)–\(offset + p.features.count)"
        return page(
            "\(layer.titleJa) / \(layer.titleEn)", base: base,
            crumbs: [("Collections", base + "/ogc/collections?f=html"), (layer.name, c + "?f=html"), ("items", c + "/items?f=html")],
            body: "<p>\(range) / \(p.numberMatched) \(nav.joined(separator: " "))</p><table>\(head)\(rows)</table>")
    }

    public static func item(_ layer: LayerDefinition, feature f: StoredFeature, geometry: String, base: String) -> String {
        let c = base + "/ogc/collections/\(layer.name)"
        let id = FeatureSource.featureId(f, layer)
        let rows = zip(layer.attributes, f.values).map { a, v in
            "<tr><th>\(escape(a.label))</th><td>\(escape(String.fromDatabaseValue(v) ?? v.description.replacingNull))\(a.unit.map { " " + escape($0) } ?? "")</td></tr>"
        }.joined()
        return page(
            id, base: base,
            crumbs: [
                ("Collections", base + "/ogc/collections?f=html"), (layer.name, c + "?f=html"),
                (id, c + "/items/" + QueryParameters.encode(id) + "?f=html"),
            ],
            body: "<table>\(rows)</table><h2>geometry (CRS84)</h2><pre>\(escape(geometry))</pre>")
    }
}

extension String {
    /// GRDB spells SQL NULL "NULL"; people read an empty cell.
    fileprivate var replacingNull: String { self == "NULL" ? "" : self }
}
