import CPROJ
import Synchronization

public struct ProjectionError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// One PROJ context and one transformation. PROJ objects may move between threads but
/// must never be used by two at once, so instances live in a `TransformerPool` and are
/// checked out for exclusive use.
public final class CoordinateTransformer: @unchecked Sendable {
    private let context: OpaquePointer
    private let pj: OpaquePointer

    /// - Parameters: `source`/`target` are PROJ CRS strings such as "EPSG:6674" or "OGC:CRS84".
    ///   Axis order is normalised to GIS order (easting/longitude first).
    public init(from source: String, to target: String) throws(ProjectionError) {
        guard let ctx = proj_context_create() else { throw ProjectionError(description: "cannot create PROJ context") }
        guard let raw = proj_create_crs_to_crs(ctx, source, target, nil) else {
            let msg = String(cString: proj_context_errno_string(ctx, proj_context_errno(ctx)))
            proj_context_destroy(ctx)
            throw ProjectionError(description: "cannot transform \(source) → \(target): \(msg)")
        }
        let normalized = proj_normalize_for_visualization(ctx, raw)
        proj_destroy(raw)
        guard let normalized else {
            proj_context_destroy(ctx)
            throw ProjectionError(description: "cannot normalise axis order for \(source) → \(target)")
        }
        context = ctx
        pj = normalized
    }

    deinit {
        proj_destroy(pj)
        proj_context_destroy(context)
    }

    /// Transforms the positions in place. Non-finite results (outside the CRS's domain) throw.
    public func transform(_ positions: inout [Position]) throws(ProjectionError) {
        let n = positions.count
        guard n > 0 else { return }
        let ok = positions.withUnsafeMutableBytes { raw -> Bool in
            let base = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            let stride = MemoryLayout<Position>.stride
            let done = proj_trans_generic(pj, PJ_FWD, base, stride, n, base + 1, stride, n, nil, 0, 0, nil, 0, 0)
            return done == n
        }
        guard ok, positions.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
            throw ProjectionError(description: "coordinates outside the domain of the projection")
        }
    }

    public func transform(_ g: Geometry) throws(ProjectionError) -> Geometry {
        if case .point(let p) = g {
            var one = [p]
            try transform(&one)
            return .point(one[0])
        }
        var ps = g.positions
        try transform(&ps)
        return g.replacingPositions(ps)
    }
}

/// A thread-safe pool of transformers for one source/target pair.
public final class TransformerPool: Sendable {
    public let source: String
    public let target: String
    private let idle = Mutex<[CoordinateTransformer]>([])

    public init(from source: String, to target: String) throws(ProjectionError) {
        self.source = source
        self.target = target
        // Fail at start-up, not on the first request, when a CRS is unknown.
        let first = try CoordinateTransformer(from: source, to: target)
        idle.withLock { $0.append(first) }
    }

    public func withTransformer<R>(_ body: (CoordinateTransformer) throws -> R) throws -> R {
        let t = try idle.withLock { $0.popLast() } ?? CoordinateTransformer(from: source, to: target)
        defer { idle.withLock { $0.append(t) } }
        return try body(t)
    }

    public func transform(_ g: Geometry) throws -> Geometry {
        try withTransformer { try $0.transform(g) }
    }

    public func transform(_ p: Position) throws -> Position {
        try withTransformer { t in
            var one = [p]
            try t.transform(&one)
            return one[0]
        }
    }
}

/// Geodesic measures on the GRS80/WGS84 ellipsoid through PROJ's geodesic (Karney) code,
/// used to check plane-CS distances independently.
public enum Geodesic {
    public static func distance(_ a: Position, _ b: Position) -> Double {
        guard let ctx = proj_context_create() else { return .nan }
        defer { proj_context_destroy(ctx) }
        guard let pj = proj_create(ctx, "+proj=longlat +ellps=GRS80") else { return .nan }
        defer { proj_destroy(pj) }
        let pa = proj_coord(a.x * .pi / 180, a.y * .pi / 180, 0, 0)
        let pb = proj_coord(b.x * .pi / 180, b.y * .pi / 180, 0, 0)
        return proj_lp_dist(pj, pa, pb)
    }
}
