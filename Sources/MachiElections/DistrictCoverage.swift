import Foundation
import MachiCore
import MachiGeometry

// Checking the dissolved districts as a coverage: overlaps, gaps, shared borders, stations.
extension DistrictBuilder {
    /// Overlaps between districts (refused) and gaps in the coverage (reported). Snaps each
    /// district to its neighbours first, so a border carries the same vertices on both sides
    /// even where the small areas left a vertex on one side only.
    func checkCoverage(_ built: inout [Built], _ options: DistrictBuildOptions, _ report: inout DistrictBuildReport) throws {
        let tol = options.tolerance
        /// Whether a piece is a finding: large enough, and not a sliver (mean width 2A / perimeter).
        func significant(_ area: Double, _ piece: Geometry) -> Bool {
            area > tol && 2 * area / max(piece.planarLength, .leastNonzeroMagnitude) >= options.sliverWidth
        }
        let pairs = Self.touchingPairs(built.map(\.box))
        try store.geos.with { g in
            var neighbours = [[Int]](repeating: [], count: built.count)
            for (i, j) in pairs {
                neighbours[i].append(j)
                neighbours[j].append(i)
            }
            let originals = built.map(\.geometry)
            for i in built.indices where !neighbours[i].isEmpty {
                let around = Geometry.multiPolygon(neighbours[i].flatMap { Self.polygons(originals[$0]) })
                let snapped = try g.snap(originals[i], to: around, tolerance: 0.001)
                if try g.invalidityReason(snapped) == nil { built[i].geometry = snapped }
            }

            for (i, j) in pairs {
                let a = built[i]
                let b = built[j]
                guard try g.overlapArea(a.geometry, b.geometry) > tol, let common = try g.intersection(a.geometry, b.geometry),
                    significant(try g.area(common), common)
                else { continue }
                // Name the small areas at fault, so the mapping or the polygons can be fixed.
                var culprits = [String]()
                for p in a.parts {
                    for q in b.parts where p.box.intersects(q.box) {
                        if try g.overlapArea(p.geometry, q.geometry) > tol { culprits.append("\(p.key)/\(q.key)") }
                    }
                }
                let list = culprits.isEmpty ? "" : "; small areas \(culprits.prefix(10).joined(separator: ", "))"
                report.overlaps.append(
                    AreaFinding(
                        what: "districts \(a.number) and \(b.number) overlap\(list)", area: try g.area(common),
                        at: try lonLat(try g.pointOnSurface(common))))
            }

            // Overlaps inside one district vanish in its union but mean the small areas are wrong.
            for d in built {
                let sum = try d.parts.reduce(0) { $0 + (try g.area($1.geometry)) }
                if sum - (try g.area(d.geometry)) > tol {
                    report.warnings.append(
                        String(format: "small areas of district %@ overlap each other by %.1f m²", d.number, sum - (try g.area(d.geometry)))
                    )
                }
            }

            guard !built.isEmpty else { return }
            let coverage = try g.unaryUnion(built.map(\.geometry))
            for rings in Self.polygons(coverage) {
                for hole in rings.dropFirst() {
                    let gap = Geometry.polygon([hole])
                    let area = try g.area(gap)
                    if significant(area, gap) {
                        report.gaps.append(
                            AreaFinding(what: "city area in no district", area: area, at: try lonLat(try g.pointOnSurface(gap))))
                    }
                }
            }
            if let path = options.boundaryPath {
                let boundary = try readBoundary(path)
                // The holes were reported above; against the coverage with its holes filled, only
                // the city area around the districts is left, so no gap is counted twice. A union,
                // not a collection of the outer rings, since a district may lie inside a hole.
                let filled = try g.unaryUnion(Self.polygons(coverage).compactMap { $0.first.map { Geometry.polygon([$0]) } })
                if let outside = try g.difference(boundary, filled) {
                    for p in Self.polygons(outside) {
                        let piece = Geometry.polygon(p)
                        let area = try g.area(piece)
                        if significant(area, piece) {
                            report.gaps.append(
                                AreaFinding(
                                    what: "city area in no district (at the boundary)", area: area,
                                    at: try lonLat(try g.pointOnSurface(piece))))
                        }
                    }
                }
                if let beyond = try g.difference(coverage, boundary) {
                    let area = try Self.polygons(beyond).map { Geometry.polygon($0) }.reduce(0) { sum, piece in
                        let a = try g.area(piece)
                        return significant(a, piece) ? sum + a : sum
                    }
                    if area > 0 { report.warnings.append(String(format: "%.1f m² of the districts lie outside the city boundary", area)) }
                }
            }
        }
    }

    func checkStations(_ built: [Built], _ report: inout DistrictBuildReport) throws {
        guard store.catalog[PollingLayers.stationsLayer] != nil else { return }
        let known = Set(try PollingLayers(store: store).stations().map(\.number))
        guard !known.isEmpty else { return }
        let unknown = built.compactMap { d in d.station.flatMap { known.contains($0) ? nil : "district \(d.number) → \($0)" } }
        if !unknown.isEmpty {
            report.warnings.append("station_no not in polling_stations: \(unknown.prefix(20).joined(separator: ", "))")
        }
    }

    func lonLat(_ p: Position) throws -> Position {
        try store.toLonLat.transform(p)
    }

    static func polygons(_ g: Geometry) -> [[[Position]]] {
        switch g {
        case .polygon(let p): [p]
        case .multiPolygon(let ps): ps
        default: []
        }
    }

    /// Pairs of boxes that intersect, by a sweep along x: districts touch only their
    /// neighbours, so this stays near-linear.
    static func touchingPairs(_ boxes: [BoundingBox]) -> [(Int, Int)] {
        let order = boxes.indices.sorted { boxes[$0].minX < boxes[$1].minX }
        var pairs = [(Int, Int)]()
        var active = [Int]()
        for i in order {
            active.removeAll { boxes[$0].maxX < boxes[i].minX }
            for j in active where boxes[j].intersects(boxes[i]) { pairs.append((min(i, j), max(i, j))) }
            active.append(i)
        }
        return pairs.sorted { $0 < $1 }
    }
}
