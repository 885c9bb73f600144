/// One feature ready for a tile, before the budget decides whether it is kept.
struct TileCandidate {
    var layer: Int
    var id: UInt64
    var values: [TileValue?]
    var geometry: TileGeometry
    /// Length (lines) or area (polygons) in tile units; 0 for points. Smallest go first.
    var size: Double
}

/// Fits a tile into a byte budget by dropping its smallest features (tippecanoe's
/// `--drop-smallest-as-needed`): big features carry the picture at any zoom, the small ones
/// are what a viewer misses least and finds again one zoom in.
enum TileBudget {
    struct Fitted {
        var bytes: [UInt8]
        var features: Int
        var dropped: Int
    }

    static func fit(_ candidates: [TileCandidate], layers: [MVTLayer], budget: Int) -> Fitted {
        // Most tiles fit: encode in storage order, giving up as soon as the running size passes
        // the budget (an over-budget tile then costs about one extra encoding, not two).
        var first = layers
        var over = false
        for c in candidates {
            first[c.layer].add(id: c.id, values: c.values, geometry: c.geometry)
            if first.reduce(0, { $0 + $1.approximateSize }) > budget {
                over = true
                break
            }
        }
        if !over {
            let bytes = MVTEncoder.tile(first)
            if bytes.count <= budget { return Fitted(bytes: bytes, features: candidates.count, dropped: 0) }
        }
        // Largest first; ties (points) by id so the choice is stable between requests.
        let order = candidates.indices.sorted {
            let a = candidates[$0]
            let b = candidates[$1]
            return a.size != b.size ? a.size > b.size : (a.layer, a.id) < (b.layer, b.id)
        }
        // How many of the largest fit, from the running size of the layers as they fill;
        // the value tables are shared, so a feature's cost depends on those before it.
        var growing = layers
        var keep = 0
        for i in order {
            let c = candidates[i]
            growing[c.layer].add(id: c.id, values: c.values, geometry: c.geometry)
            if growing.reduce(0, { $0 + $1.approximateSize }) > budget { break }
            keep += 1
        }
        // Re-encoded in storage order the varint sizes of table indices can differ a little.
        while true {
            let kept = order[..<keep].sorted()
            let out = encode(candidates, kept, layers)
            if out.bytes.count <= budget || keep == 0 {
                return Fitted(bytes: out.bytes, features: out.features, dropped: candidates.count - kept.count)
            }
            keep = max(0, keep - max(1, keep / 100))
        }
    }

    static func encode(_ candidates: [TileCandidate], _ indices: [Int], _ empty: [MVTLayer]) -> (bytes: [UInt8], features: Int) {
        var layers = empty
        for i in indices {
            let c = candidates[i]
            layers[c.layer].add(id: c.id, values: c.values, geometry: c.geometry)
        }
        return (MVTEncoder.tile(layers), layers.reduce(0) { $0 + $1.featureCount })
    }
}
