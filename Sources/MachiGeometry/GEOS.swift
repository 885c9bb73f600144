import CGEOS
import Synchronization

public struct GEOSError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// One GEOS re-entrant context handle. GEOS contexts must not be used by two threads at
/// once; `GEOSPool` hands them out exclusively.
public final class GEOSContext: @unchecked Sendable {
    let handle: GEOSContextHandle_t

    public init() {
        handle = GEOS_init_r()
    }

    deinit {
        GEOS_finish_r(handle)
    }

    /// Owns one GEOS geometry created in this context.
    final class Owned {
        let ctx: GEOSContext
        let ptr: OpaquePointer
        init(_ ctx: GEOSContext, _ ptr: OpaquePointer) {
            self.ctx = ctx
            self.ptr = ptr
        }
        deinit { GEOSGeom_destroy_r(ctx.handle, ptr) }
    }

    func read(_ g: Geometry) throws(GEOSError) -> Owned {
        let bytes = g.wkb
        guard let reader = GEOSWKBReader_create_r(handle) else { throw GEOSError(description: "GEOS reader") }
        defer { GEOSWKBReader_destroy_r(handle, reader) }
        let ptr = bytes.withUnsafeBufferPointer { GEOSWKBReader_read_r(handle, reader, $0.baseAddress, $0.count) }
        guard let ptr else { throw GEOSError(description: "GEOS could not read the geometry") }
        return Owned(self, ptr)
    }

    func write(_ g: Owned) throws(GEOSError) -> Geometry {
        guard let writer = GEOSWKBWriter_create_r(handle) else { throw GEOSError(description: "GEOS writer") }
        defer { GEOSWKBWriter_destroy_r(handle, writer) }
        GEOSWKBWriter_setByteOrder_r(handle, writer, Int32(GEOS_WKB_NDR.rawValue))
        GEOSWKBWriter_setOutputDimension_r(handle, writer, 2)
        var size = 0
        guard let buf = GEOSWKBWriter_write_r(handle, writer, g.ptr, &size) else { throw GEOSError(description: "GEOS write failed") }
        defer { GEOSFree_r(handle, buf) }
        let bytes = Array(UnsafeBufferPointer(start: buf, count: size))
        do {
            return try Geometry(wkb: bytes)
        } catch {
            throw GEOSError(description: "GEOS result: \(error.description)")
        }
    }

    /// nil when valid, else GEOS's reason, e.g. "Self-intersection[-2 3]".
    public func invalidityReason(_ g: Geometry) throws(GEOSError) -> String? {
        let o = try read(g)
        let valid = GEOSisValid_r(handle, o.ptr)
        if valid == 1 { return nil }
        guard let reason = GEOSisValidReason_r(handle, o.ptr) else { return "invalid geometry" }
        defer { GEOSFree_r(handle, reason) }
        return String(cString: reason)
    }

    public func distance(_ a: Geometry, _ b: Geometry) throws(GEOSError) -> Double {
        let ga = try read(a)
        let gb = try read(b)
        var d = 0.0
        guard GEOSDistance_r(handle, ga.ptr, gb.ptr, &d) == 1 else { throw GEOSError(description: "GEOS distance failed") }
        return d
    }

    public func buffer(_ g: Geometry, distance: Double, quadrantSegments: Int32 = 32) throws(GEOSError) -> Geometry {
        let o = try read(g)
        guard let r = GEOSBuffer_r(handle, o.ptr, distance, quadrantSegments) else { throw GEOSError(description: "GEOS buffer failed") }
        return try write(Owned(self, r))
    }

    public func unaryUnion(_ parts: [Geometry]) throws(GEOSError) -> Geometry {
        let polys = parts.flatMap { g -> [[[Position]]] in
            switch g {
            case .polygon(let p): [p]
            case .multiPolygon(let ps): ps
            default: []
            }
        }
        let o = try read(.multiPolygon(polys))
        guard let r = GEOSUnaryUnion_r(handle, o.ptr) else { throw GEOSError(description: "GEOS union failed") }
        return try write(Owned(self, r))
    }

    public func area(_ g: Geometry) throws(GEOSError) -> Double {
        let o = try read(g)
        var a = 0.0
        guard GEOSArea_r(handle, o.ptr, &a) == 1 else { throw GEOSError(description: "GEOS area failed") }
        return a
    }
}

/// A thread-safe pool of GEOS contexts.
public final class GEOSPool: Sendable {
    private let idle = Mutex<[GEOSContext]>([])

    public init() {}

    public func with<R>(_ body: (GEOSContext) throws -> R) rethrows -> R {
        let c = idle.withLock { $0.popLast() } ?? GEOSContext()
        defer { idle.withLock { $0.append(c) } }
        return try body(c)
    }
}
