public import MachiCore

/// The OpenAPI 3.0 definition of `/ogc`, built from the layers the caller may see: each
/// collection gets its own items path listing its queryable attributes as parameters.
public struct OpenAPIDocument: Sendable {
    public let store: Store
    public let layers: [LayerDefinition]

    public init(store: Store, layers: [LayerDefinition]) {
        self.store = store
        self.layers = layers
    }

    static func ref(_ kind: String, _ name: String) -> JSON { ["$ref": .string("#/components/\(kind)/\(name)")] }

    static func response(_ description: String, _ types: [(String, JSON)]) -> JSON {
        ["description": .string(description), "content": .object(types.map { ($0.0, ["schema": $0.1]) })]
    }

    static var problems: [(String, JSON)] {
        [
            ("400", ref("responses", "BadRequest")), ("403", ref("responses", "Forbidden")), ("404", ref("responses", "NotFound")),
            ("500", ref("responses", "ServerError")),
        ]
    }

    static func get(_ summary: String, _ operationId: String, parameters: [JSON], ok: JSON, tag: String = "Capabilities") -> JSON {
        [
            "get": [
                "tags": [.string(tag)], "summary": .string(summary), "operationId": .string(operationId),
                "parameters": .array(parameters), "responses": .object([("200", ok)] + problems),
            ]
        ]
    }

    func crsEnum() -> JSON { .array(OGCCRS.supported(storageSRID: store.city.srid).map { .string($0.uri) }) }

    func queryParameter(_ name: String, _ description: String, _ schema: JSON, style: Bool = false) -> JSON {
        var p: JSON = ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema]
        if style { p = p.with("style", "form").with("explode", false) }
        return p
    }

    func attributeParameter(_ a: AttributeDefinition) -> JSON {
        let schema: JSON =
            switch a.type {
            case .integer: ["type": "integer"]
            case .real: ["type": "number"]
            case .boolean: ["type": "boolean"]
            case .date: ["type": "string", "format": "date"]
            case .datetime: ["type": "string", "format": "date-time"]
            case .text: a.values.map { ["type": "string", "enum": .array($0.map { .string($0) })] } ?? ["type": "string"]
            }
        return queryParameter(a.key, "\(a.label)\(a.labelEn.map { " (\($0))" } ?? ""): features whose \(a.key) equals this value", schema)
    }

    func featureSchema(_ layer: LayerDefinition) -> JSON {
        var props = [(String, JSON)]()
        for a in layer.attributes {
            let t: JSON =
                switch a.type {
                case .integer: "integer"
                case .real: "number"
                case .boolean: "boolean"
                default: "string"
                }
            props.append((a.key, ["type": t, "nullable": .bool(!a.required), "title": .string(a.label)]))
        }
        return [
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": [
                "type": ["type": "string", "enum": ["Feature"]], "id": ["oneOf": [["type": "string"], ["type": "integer"]]],
                "geometry": Self.ref("schemas", "geometryGeoJSON"), "properties": ["type": "object", "properties": .object(props)],
            ],
        ]
    }

    public func document(base: String) -> JSON {
        let geojson = "application/geo+json"
        let collectionId: JSON = [
            "name": "collectionId", "in": "path", "required": true, "description": "Collection (layer) name",
            "schema": ["type": "string", "enum": .array(layers.map { .string($0.name) })],
        ]
        let common: [JSON] = [
            Self.ref("parameters", "bbox"), Self.ref("parameters", "bbox-crs"), Self.ref("parameters", "crs"),
            Self.ref("parameters", "limit"), Self.ref("parameters", "offset"), Self.ref("parameters", "filter"),
            Self.ref("parameters", "filter-lang"), Self.ref("parameters", "filter-crs"), Self.ref("parameters", "f"),
        ]
        var paths: [(String, JSON)] = [
            (
                "/",
                Self.get(
                    "Landing page", "getLandingPage", parameters: [Self.ref("parameters", "f")],
                    ok: Self.response(
                        "Landing page", [("application/json", Self.ref("schemas", "landingPage")), ("text/html", ["type": "string"])]))
            ),
            (
                "/conformance",
                Self.get(
                    "Conformance classes", "getConformance", parameters: [Self.ref("parameters", "f")],
                    ok: Self.response("Conformance classes", [("application/json", Self.ref("schemas", "confClasses"))]))
            ),
            (
                "/api",
                Self.get(
                    "This API definition", "getAPI", parameters: [Self.ref("parameters", "f")],
                    ok: Self.response("OpenAPI 3.0", [(OGCDocuments.openAPIType, ["type": "object"]), ("text/html", ["type": "string"])]))
            ),
            (
                "/collections",
                Self.get(
                    "Collections", "getCollections", parameters: [Self.ref("parameters", "f")],
                    ok: Self.response(
                        "Collections", [("application/json", Self.ref("schemas", "collections")), ("text/html", ["type": "string"])]))
            ),
            (
                "/collections/{collectionId}",
                Self.get(
                    "One collection", "describeCollection", parameters: [collectionId, Self.ref("parameters", "f")],
                    ok: Self.response(
                        "Collection", [("application/json", Self.ref("schemas", "collection")), ("text/html", ["type": "string"])]))
            ),
            (
                "/collections/{collectionId}/items",
                Self.get(
                    "Features of a collection", "getFeatures", parameters: [collectionId] + common + [Self.ref("parameters", "datetime")],
                    ok: Self.response(
                        "Features", [(geojson, Self.ref("schemas", "featureCollectionGeoJSON")), ("text/html", ["type": "string"])]),
                    tag: "Data")
            ),
            (
                "/collections/{collectionId}/items/{featureId}",
                Self.get(
                    "One feature", "getFeature",
                    parameters: [
                        collectionId, Self.ref("parameters", "featureId"), Self.ref("parameters", "crs"), Self.ref("parameters", "f"),
                    ], ok: Self.response("Feature", [(geojson, Self.ref("schemas", "featureGeoJSON")), ("text/html", ["type": "string"])]),
                    tag: "Data")
            ),
            (
                "/collections/{collectionId}/queryables",
                Self.get(
                    "Queryables of a collection", "getQueryables", parameters: [collectionId, Self.ref("parameters", "f")],
                    ok: Self.response("JSON Schema of the queryables", [("application/schema+json", ["type": "object"])]))
            ),
            (
                "/collections/{collectionId}/schema",
                Self.get(
                    "JSON Schema of the features of a collection", "getSchema", parameters: [collectionId, Self.ref("parameters", "f")],
                    ok: Self.response("JSON Schema of a GeoJSON feature", [("application/schema+json", ["type": "object"])]))
            ),
        ]
        for layer in layers {
            var params = common
            if layer.temporal != nil { params.append(Self.ref("parameters", "datetime")) }
            params += ItemsParameters.attributeParameters(layer).map(attributeParameter)
            let collection: JSON = [
                "type": "object",
                "properties": [
                    "type": ["type": "string", "enum": ["FeatureCollection"]],
                    "features": ["type": "array", "items": featureSchema(layer)],
                    "links": ["type": "array", "items": Self.ref("schemas", "link")], "numberMatched": ["type": "integer", "minimum": 0],
                    "numberReturned": ["type": "integer", "minimum": 0], "timeStamp": ["type": "string", "format": "date-time"],
                ],
            ]
            paths.append(
                (
                    "/collections/\(layer.name)/items",
                    Self.get(
                        "\(layer.titleJa) / \(layer.titleEn)", "getFeatures_\(layer.name)", parameters: params,
                        ok: Self.response("Features of \(layer.name)", [(geojson, collection), ("text/html", ["type": "string"])]),
                        tag: "Data")
                ))
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": .string("MachiGIS \(store.city.name) OGC API – Features"), "version": "1.0.0",
                "description": .string(
                    "OGC API – Features Parts 1–3 (core, GeoJSON, HTML, OpenAPI 3.0, CRS, queryables, CQL2 text filters)."),
                "license": ["name": .string(store.city.attribution.joined(separator: " / "))],
            ],
            "servers": [["url": .string(base + "/ogc")]],
            "tags": [["name": "Capabilities"], ["name": "Data"]],
            "paths": .object(paths),
            "components": components(),
        ]
    }

    func components() -> JSON {
        let link: JSON = [
            "type": "object", "required": ["href", "rel"],
            "properties": ["href": ["type": "string"], "rel": ["type": "string"], "type": ["type": "string"], "title": ["type": "string"]],
        ]
        let links: JSON = ["type": "array", "items": Self.ref("schemas", "link")]
        let problem: JSON = [
            "type": "object",
            "properties": [
                "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"], "detail": ["type": "string"],
                "parameter": ["type": "string"], "position": ["type": "integer"],
            ],
        ]
        func problemResponse(_ d: String) -> JSON { Self.response(d, [("application/problem+json", problem)]) }
        let crsSchema: JSON = ["type": "string", "format": "uri", "enum": crsEnum(), "default": .string(OGCCRS.crs84.uri)]
        return [
            "parameters": [
                "f": queryParameter("f", "Response format (default: by the Accept header)", ["type": "string", "enum": ["json", "html"]]),
                "featureId": [
                    "name": "featureId", "in": "path", "required": true, "description": "Feature id: the layer's key attribute",
                    "schema": ["type": "string"],
                ],
                "bbox": queryParameter(
                    "bbox",
                    "lower corner, upper corner in bbox-crs axis order (4 numbers, or 6 with heights, which are ignored); features intersecting it",
                    ["type": "array", "minItems": 4, "maxItems": 6, "items": ["type": "number"]], style: true),
                "bbox-crs": queryParameter("bbox-crs", "CRS of bbox", crsSchema),
                "crs": queryParameter("crs", "CRS of the response geometries", crsSchema),
                "limit": queryParameter(
                    "limit", "Features per page",
                    [
                        "type": "integer", "minimum": 1, "maximum": .int(ItemsParameters.maxLimit),
                        "default": .int(ItemsParameters.defaultLimit),
                    ], style: true),
                "offset": queryParameter("offset", "Features to skip (paging)", ["type": "integer", "minimum": 0, "default": 0]),
                "datetime": queryParameter(
                    "datetime", "RFC 3339 instant or interval start/end (.. for open) on the layer's time attribute", ["type": "string"]),
                "filter": queryParameter(
                    "filter", "CQL2 text: = <> < <= > >=, AND OR NOT, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS with WKT or BBOX",
                    ["type": "string"]),
                "filter-lang": queryParameter(
                    "filter-lang", "Filter language", ["type": "string", "enum": ["cql2-text"], "default": "cql2-text"]),
                "filter-crs": queryParameter("filter-crs", "CRS of geometry literals in filter", crsSchema),
            ],
            "responses": [
                "BadRequest": problemResponse("A parameter is malformed or out of range; the problem names it"),
                "Forbidden": problemResponse("Signed in without a role that may read the collection"),
                "NotFound": problemResponse("No such collection or feature"),
                "ServerError": problemResponse("Server error"),
            ],
            "schemas": [
                "link": link,
                "landingPage": [
                    "type": "object", "required": ["links"],
                    "properties": ["title": ["type": "string"], "description": ["type": "string"], "links": links],
                ],
                "confClasses": [
                    "type": "object", "required": ["conformsTo"],
                    "properties": ["conformsTo": ["type": "array", "items": ["type": "string"]]],
                ],
                "extent": [
                    "type": "object",
                    "properties": [
                        "spatial": [
                            "type": "object",
                            "properties": [
                                "bbox": [
                                    "type": "array", "items": ["type": "array", "minItems": 4, "maxItems": 4, "items": ["type": "number"]],
                                ], "crs": ["type": "string"],
                            ],
                        ],
                        "temporal": [
                            "type": "object",
                            "properties": [
                                "interval": [
                                    "type": "array",
                                    "items": [
                                        "type": "array", "minItems": 2, "maxItems": 2,
                                        "items": ["type": "string", "format": "date-time", "nullable": true],
                                    ],
                                ], "trs": ["type": "string"],
                            ],
                        ],
                    ],
                ],
                "collection": [
                    "type": "object", "required": ["id", "links"],
                    "properties": [
                        "id": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"], "links": links,
                        "extent": Self.ref("schemas", "extent"), "itemType": ["type": "string"],
                        "crs": ["type": "array", "items": ["type": "string"]], "storageCrs": ["type": "string"],
                    ],
                ],
                "collections": [
                    "type": "object", "required": ["links", "collections"],
                    "properties": [
                        "links": links, "crs": ["type": "array", "items": ["type": "string"]],
                        "collections": ["type": "array", "items": Self.ref("schemas", "collection")],
                    ],
                ],
                "geometryGeoJSON": [
                    "type": "object", "required": ["type", "coordinates"],
                    "properties": [
                        "type": [
                            "type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"],
                        ], "coordinates": ["type": "array"],
                    ],
                ],
                "featureGeoJSON": [
                    "type": "object", "required": ["type", "geometry", "properties"],
                    "properties": [
                        "type": ["type": "string", "enum": ["Feature"]], "id": ["oneOf": [["type": "string"], ["type": "integer"]]],
                        "geometry": Self.ref("schemas", "geometryGeoJSON"), "properties": ["type": "object", "nullable": true],
                        "links": links,
                    ],
                ],
                "featureCollectionGeoJSON": [
                    "type": "object", "required": ["type", "features"],
                    "properties": [
                        "type": ["type": "string", "enum": ["FeatureCollection"]],
                        "features": ["type": "array", "items": Self.ref("schemas", "featureGeoJSON")],
                        "links": links, "timeStamp": ["type": "string", "format": "date-time"],
                        "numberMatched": ["type": "integer", "minimum": 0], "numberReturned": ["type": "integer", "minimum": 0],
                    ],
                ],
            ],
        ]
    }
}
