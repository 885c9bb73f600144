import GRDB
public import MachiCore
import MachiGeometry
import MachiTiles

/// The JSON documents of OGC API – Features that describe the service rather than
/// features: landing page, conformance, collections and queryables.
public struct OGCDocuments: Sendable {
    public let store: Store
    let extents: LayerExtents

    public init(store: Store) {
        self.store = store
        extents = LayerExtents(store: store)
    }

    /// Exactly the conformance classes this server implements.
    public static let conformance: [String] = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    ]

    static let openAPIType = "application/vnd.oai.openapi+json;version=3.0"

    static func link(_ href: String, _ rel: String, _ type: String, _ title: String? = nil) -> JSON {
        var l: JSON = ["href": .string(href), "rel": .string(rel), "type": .string(type)]
        if let title { l = l.with("title", .string(title)) }
        return l
    }

    public var title: String { "MachiGIS \(store.city.name) (\(store.city.nameEn)) OGC API – Features" }

    public func landing(base: String) -> JSON {
        let ogc = base + "/ogc"
        return [
            "title": .string(title),
            "description": .string("\(store.city.name)の統合型GISが公開するレイヤ。Layers of the \(store.city.nameEn) integrated GIS."),
            "attribution": .string(store.city.attribution.joined(separator: " / ")),
            "links": [
                Self.link(ogc + "?f=json", "self", "application/json", "This document"),
                Self.link(ogc + "?f=html", "alternate", "text/html", "This document as HTML"),
                Self.link(ogc + "/api", "service-desc", Self.openAPIType, "The API definition (OpenAPI 3.0)"),
                Self.link(ogc + "/api?f=html", "service-doc", "text/html", "The API documentation"),
                Self.link(ogc + "/conformance", "conformance", "application/json", "Conformance classes"),
                Self.link(
                    ogc + "/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance", "application/json", "Conformance classes"),
                Self.link(ogc + "/collections", "data", "application/json", "Collections"),
                Self.link(ogc + "/collections", "http://www.opengis.net/def/rel/ogc/1.0/data", "application/json", "Collections"),
            ],
        ]
    }

    public func conformanceDocument(base: String) -> JSON {
        [
            "links": [Self.link(base + "/ogc/conformance", "self", "application/json")],
            "conformsTo": .array(Self.conformance.map { .string($0) }),
        ]
    }

    public func collections(_ layers: [LayerDefinition], base: String) throws -> JSON {
        [
            "links": [
                Self.link(base + "/ogc/collections?f=json", "self", "application/json", "Collections"),
                Self.link(base + "/ogc/collections?f=html", "alternate", "text/html", "Collections as HTML"),
            ],
            "crs": .array(OGCCRS.supported(storageSRID: store.city.srid).map { .string($0.uri) }),
            "collections": .array(try layers.map { try collection($0, base: base) }),
        ]
    }

    public func collection(_ layer: LayerDefinition, base: String) throws -> JSON {
        let url = base + "/ogc/collections/" + layer.name
        let bbox = try extents.extent(of: layer)?.lonLat ?? store.city.extent
        var extent: JSON = [
            "spatial": [
                "bbox": [[.number(bbox.minX), .number(bbox.minY), .number(bbox.maxX), .number(bbox.maxY)]],
                "crs": .string(OGCCRS.crs84.uri),
            ]
        ]
        if let interval = try temporalExtent(layer) { extent = extent.with("temporal", interval) }
        return [
            "id": .string(layer.name),
            "title": .string("\(layer.titleJa) / \(layer.titleEn)"),
            "description": .string(Self.description(layer)),
            "itemType": "feature",
            "extent": extent,
            "crs": .array(OGCCRS.supported(storageSRID: store.city.srid).map { .string($0.uri) }),
            "storageCrs": .string(OGCCRS.epsg(store.city.srid).uri),
            "links": [
                Self.link(url + "?f=json", "self", "application/json", layer.titleEn),
                Self.link(url + "?f=html", "alternate", "text/html", layer.titleEn + " as HTML"),
                Self.link(url + "/items?f=json", "items", "application/geo+json", "Features"),
                Self.link(url + "/items?f=html", "items", "text/html", "Features as HTML"),
                Self.link(
                    url + "/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables"),
                Self.link(url + "/queryables", "queryables", "application/schema+json", "Queryables"),
                Self.link(url + "/schema", "describedby", "application/schema+json", "JSON Schema of the features"),
                // GDAL up to 3.6 matches this relation name case-sensitively in its camel-case spelling.
                Self.link(url + "/schema", "describedBy", "application/schema+json", "JSON Schema of the features"),
            ],
        ]
    }

    static func description(_ layer: LayerDefinition) -> String {
        let access = layer.access.isPublic ? "公開 (public)" : "職員のみ (staff only)"
        return "\(layer.titleJa) (\(layer.titleEn)): \(layer.geometryType.rawValue), \(access). 属性 attributes: "
            + layer.attributes.map { "\($0.key) \($0.label)" }.joined(separator: ", ")
    }

    func temporalExtent(_ layer: LayerDefinition) throws -> JSON? {
        guard let key = layer.temporal, layer.attribute(key) != nil else { return nil }
        let row = try store.pool.read { db in
            // Two subqueries, so each is one seek on the attribute's index instead of a table scan.
            try Row.fetchOne(
                db,
                sql: "SELECT (SELECT min(\"\(key)\") FROM \"\(layer.name)\"), (SELECT max(\"\(key)\") FROM \"\(layer.name)\")")
        }
        let low: String? = row?[0]
        let high: String? = row?[1]
        return [
            "interval": [[low.map { .string($0) } ?? .null, high.map { .string($0) } ?? .null]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        ]
    }

    /// JSON Schema of one GeoJSON feature of the layer, linked as `describedby`: GDAL takes
    /// field types from it instead of guessing them from a first page where a column may be all null.
    public func featureSchema(_ layer: LayerDefinition, base: String) -> JSON {
        let props = layer.attributes.map { ($0.key, Self.schemaType($0)) }
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": .string(base + "/ogc/collections/\(layer.name)/schema"),
            "title": .string("\(layer.titleJa) / \(layer.titleEn)"),
            "type": "object",
            "required": ["type", "geometry", "properties"],
            "properties": [
                "type": ["type": "string", "enum": ["Feature"]],
                "id": .object([("type", .string(layer.key == nil ? "integer" : "string"))]),
                "geometry": ["type": "object", "format": .string("geometry-" + layer.geometryType.rawValue.lowercased())],
                "properties": ["type": "object", "properties": .object(props)],
            ],
        ]
    }

    /// An attribute's title and JSON Schema type, shared by the feature schema and the queryables.
    static func schemaType(_ a: AttributeDefinition) -> JSON {
        let p: JSON = ["title": .string(a.label)]
        switch a.type {
        case .text: return p.with("type", "string")
        case .integer: return p.with("type", "integer")
        case .real: return p.with("type", "number")
        case .boolean: return p.with("type", "boolean")
        case .date: return p.with("type", "string").with("format", "date")
        case .datetime: return p.with("type", "string").with("format", "date-time")
        }
    }

    /// JSON Schema (2020-12) of what a filter may name: every attribute and the geometry.
    public func queryables(_ layer: LayerDefinition, base: String) -> JSON {
        var props: [(String, JSON)] = [
            ("geometry", ["format": .string("geometry-" + layer.geometryType.rawValue.lowercased()), "x-ogc-role": "primary-geometry"])
        ]
        for a in layer.attributes {
            var p = Self.schemaType(a)
            if let en = a.labelEn { p = p.with("description", .string(en + (a.unit.map { " (\($0))" } ?? ""))) }
            if let values = a.values { p = p.with("enum", .array(values.map { .string($0) })) }
            if let min = a.min { p = p.with("minimum", .number(min)) }
            if let max = a.max { p = p.with("maximum", .number(max)) }
            if let n = a.maxLength { p = p.with("maxLength", .int(n)) }
            if a.key == layer.temporal { p = p.with("x-ogc-role", "primary-instant") }
            props.append((a.key, p))
        }
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": .string(base + "/ogc/collections/\(layer.name)/queryables"),
            "type": "object",
            "title": .string("\(layer.titleJa) / \(layer.titleEn)"),
            "properties": .object(props),
            "additionalProperties": false,
        ]
    }
}
