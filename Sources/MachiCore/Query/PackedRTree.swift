import GRDB
import MachiGeometry

/// An immutable, Hilbert-packed R-tree over one layer's feature boxes (the layout of
/// flatbush): leaf boxes sorted along a Hilbert curve, then every level above them, in flat
/// arrays. 40 bytes per feature (four Float64 and the fid) plus about 1/15 of that for the
/// nodes; 1M pipes take ~43 MB. Read-only once built, so any number of readers share it.
public final class PackedRTree: Sendable {
    /// Children per node. 16 keeps a node's boxes in a few cache lines; measured against 8
    /// and 32 on 1M pipes it visited the fewest bytes per query.
    static let nodeSize = 16
    /// `layer.data_version` the tree was built from.
    public let version: Int64
    /// minX, minY, maxX, maxY per entry: leaves (`count` of them) first, then nodes, root last.
    let boxes: [Double]
    /// Fid of each leaf.
    let fids: [Int64]
    /// Children of node `i` (entry `count + i`): entries `firstChild[i] ..< endChild[i]`.
    let firstChild: [Int]
    let endChild: [Int]
    public let count: Int

    public var memoryBytes: Int { boxes.count * 8 + fids.count * 8 + firstChild.count * 16 }

    init(version: Int64, leaves: [(fid: Int64, box: BoundingBox)]) {
        self.version = version
        count = leaves.count
        var boxes = [Double]()
        var fids = [Int64]()
        var first = [Int]()
        var end = [Int]()
        boxes.reserveCapacity(leaves.count * 4 + leaves.count / 3)
        fids.reserveCapacity(leaves.count)
        if !leaves.isEmpty {
            var all = BoundingBox(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
            for l in leaves {
                all = BoundingBox(
                    minX: min(all.minX, l.box.minX), minY: min(all.minY, l.box.minY), maxX: max(all.maxX, l.box.maxX),
                    maxY: max(all.maxY, l.box.maxY))
            }
            let w = max(all.maxX - all.minX, 1e-9)
            let h = max(all.maxY - all.minY, 1e-9)
            let keyed = leaves.map { l -> (UInt32, Int64, BoundingBox) in
                let cx = ((l.box.minX + l.box.maxX) / 2 - all.minX) / w * 65535
                let cy = ((l.box.minY + l.box.maxY) / 2 - all.minY) / h * 65535
                return (Self.hilbert(UInt32(cx), UInt32(cy)), l.fid, l.box)
            }.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            for (_, fid, b) in keyed {
                boxes += [b.minX, b.minY, b.maxX, b.maxY]
                fids.append(fid)
            }
            // Levels of nodes, each grouping `nodeSize` consecutive entries of the level below,
            // until one node (the root) is left. Always at least one node level.
            var levelStart = 0
            var levelEnd = leaves.count
            repeat {
                var i = levelStart
                let nextStart = boxes.count / 4
                while i < levelEnd {
                    let j = min(i + Self.nodeSize, levelEnd)
                    var b = (Double.infinity, Double.infinity, -Double.infinity, -Double.infinity)
                    for c in i..<j {
                        b.0 = min(b.0, boxes[c * 4])
                        b.1 = min(b.1, boxes[c * 4 + 1])
                        b.2 = max(b.2, boxes[c * 4 + 2])
                        b.3 = max(b.3, boxes[c * 4 + 3])
                    }
                    boxes += [b.0, b.1, b.2, b.3]
                    first.append(i)
                    end.append(j)
                    i = j
                }
                levelStart = nextStart
                levelEnd = boxes.count / 4
            } while levelEnd - levelStart > 1
        }
        self.boxes = boxes
        self.fids = fids
        firstChild = first
        endChild = end
    }

    /// Builds from the layer's SpatiaLite R*Tree, read in `db`'s transaction so the tree
    /// matches `version` read in the same transaction. The R*Tree's float32 boxes are rounded
    /// outwards, so they still contain their geometries and give valid lower bounds.
    static func build(_ db: Database, layer: LayerDefinition, version: Int64) throws -> PackedRTree {
        var leaves = [(fid: Int64, box: BoundingBox)]()
        let rows = try Row.fetchCursor(db, sql: "SELECT pkid, xmin, ymin, xmax, ymax FROM \"\(layer.spatialIndexTable)\"")
        while let r = try rows.next() {
            leaves.append((r[0], BoundingBox(minX: r[1], minY: r[2], maxX: r[3], maxY: r[4])))
        }
        return PackedRTree(version: version, leaves: leaves)
    }

    /// Best-first k-nearest search (Hjaltason & Samet): a queue ordered by lower bound holds
    /// nodes, unmeasured leaves and measured features. A measured feature leaves the queue only
    /// when nothing left can be nearer, so the search stops at the k-th without looking at
    /// anything farther than it: its cost depends on k and the local density, not on how far
    /// the nearest feature is. Ties come out by fid, as the box search and brute force order.
    /// - Parameter measure: the exact distance to a feature, or nil to skip it (a filter).
    func nearest(
        to p: Position, k: Int, maxDistance: Double, measure: (Int64) throws -> Double?
    ) rethrows -> [(fid: Int64, distance: Double)] {
        guard count > 0, k > 0 else { return [] }
        var queue = MinQueue()
        let root = boxes.count / 4 - 1
        queue.push(.init(key: boxDistance(root, p), kind: .node, ref: Int64(root)))
        var out = [(fid: Int64, distance: Double)]()
        while let e = queue.pop(), e.key <= maxDistance {
            switch e.kind {
            case .node:
                let n = Int(e.ref) - count
                for c in firstChild[n]..<endChild[n] {
                    let d = boxDistance(c, p)
                    guard d <= maxDistance else { continue }
                    queue.push(c < count ? .init(key: d, kind: .leaf, ref: fids[c]) : .init(key: d, kind: .node, ref: Int64(c)))
                }
            case .leaf:
                if let d = try measure(e.ref), d <= maxDistance { queue.push(.init(key: d, kind: .measured, ref: e.ref)) }
            case .measured:
                out.append((e.ref, e.key))
                if out.count == k { return out }
            }
        }
        return out
    }

    @inline(__always) func boxDistance(_ i: Int, _ p: Position) -> Double {
        let dx = max(boxes[i * 4] - p.x, 0, p.x - boxes[i * 4 + 2])
        let dy = max(boxes[i * 4 + 1] - p.y, 0, p.y - boxes[i * 4 + 3])
        return (dx * dx + dy * dy).squareRoot()
    }

    /// Position of (x, y) on a Hilbert curve over a 2^16 grid (flatbush's branch-free form).
    static func hilbert(_ x: UInt32, _ y: UInt32) -> UInt32 {
        var a = x ^ y
        var b = 0xFFFF ^ a
        var c = 0xFFFF ^ (x | y)
        var d = x & (y ^ 0xFFFF)
        var A = a | (b >> 1)
        var B = (a >> 1) ^ a
        var C = ((c >> 1) ^ (b & (d >> 1))) ^ c
        var D = ((a & (c >> 1)) ^ (d >> 1)) ^ d
        a = A
        b = B
        c = C
        d = D
        A = (a & (a >> 2)) ^ (b & (b >> 2))
        B = (a & (b >> 2)) ^ (b & ((a ^ b) >> 2))
        C ^= (a & (c >> 2)) ^ (b & (d >> 2))
        D ^= (b & (c >> 2)) ^ ((a ^ b) & (d >> 2))
        a = A
        b = B
        c = C
        d = D
        A = (a & (a >> 4)) ^ (b & (b >> 4))
        B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4))
        C ^= (a & (c >> 4)) ^ (b & (d >> 4))
        D ^= (b & (c >> 4)) ^ ((a ^ b) & (d >> 4))
        a = A
        b = B
        c = C
        d = D
        C ^= (a & (c >> 8)) ^ (b & (d >> 8))
        D ^= (b & (c >> 8)) ^ ((a ^ b) & (d >> 8))
        a = C ^ (C >> 1)
        b = D ^ (D >> 1)
        var i0 = x ^ y
        var i1 = b | (0xFFFF ^ (i0 | a))
        i0 = (i0 | (i0 << 8)) & 0x00FF_00FF
        i0 = (i0 | (i0 << 4)) & 0x0F0F_0F0F
        i0 = (i0 | (i0 << 2)) & 0x3333_3333
        i0 = (i0 | (i0 << 1)) & 0x5555_5555
        i1 = (i1 | (i1 << 8)) & 0x00FF_00FF
        i1 = (i1 | (i1 << 4)) & 0x0F0F_0F0F
        i1 = (i1 | (i1 << 2)) & 0x3333_3333
        i1 = (i1 | (i1 << 1)) & 0x5555_5555
        return (i1 << 1) | i0
    }
}

/// The search queue: a binary min-heap ordered by (lower bound, kind, fid). Unmeasured
/// entries come before a measured feature at the same bound, since one of them may measure
/// exactly that and have a smaller fid.
struct MinQueue {
    enum Kind: UInt8, Comparable {
        case node, leaf, measured
        static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    struct Entry {
        var key: Double
        var kind: Kind
        var ref: Int64

        func before(_ o: Entry) -> Bool {
            key < o.key || (key == o.key && (kind < o.kind || (kind == o.kind && ref < o.ref)))
        }
    }

    private var heap: [Entry] = []

    mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].before(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var m = i
                if l < heap.count && heap[l].before(heap[m]) { m = l }
                if r < heap.count && heap[r].before(heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
