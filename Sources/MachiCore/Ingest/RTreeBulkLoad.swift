import CSpatiaLite
import Foundation
import GRDB
import MachiGeometry

/// Builds a SpatiaLite spatial index (an SQLite R*Tree) in one pass with Sort-Tile-Recursive
/// packing, writing the R*Tree's shadow tables directly. Inserting a million boxes one by
/// one costs SQLite's R*Tree about 8 µs each in node splits and reinsertion; packing sorted
/// boxes into full nodes takes a fraction of that and gives a tree at least as good for
/// queries. The node format is SQLite's (rtree.c): a 4-byte header (tree depth in the root,
/// cell count) and 24-byte cells of a big-endian 64-bit id and four big-endian float32
/// coordinates (xmin, xmax, ymin, ymax), rounded outwards.
enum RTreeBulkLoad {
    struct Entry {
        var id: Int64
        var minX: Float
        var maxX: Float
        var minY: Float
        var maxY: Float

        init(id: Int64, box b: BoundingBox) {
            self.id = id
            minX = Self.down(b.minX)
            maxX = Self.up(b.maxX)
            minY = Self.down(b.minY)
            maxY = Self.up(b.maxY)
        }

        init(id: Int64, covering entries: ArraySlice<Entry>) {
            self.id = id
            minX = entries.map(\.minX).min()!
            maxX = entries.map(\.maxX).max()!
            minY = entries.map(\.minY).min()!
            maxY = entries.map(\.maxY).max()!
        }

        static func down(_ d: Double) -> Float {
            let f = Float(d)
            return Double(f) > d ? f.nextDown : f
        }

        static func up(_ d: Double) -> Float {
            let f = Float(d)
            return Double(f) < d ? f.nextUp : f
        }

        var centerX: Float { (minX + maxX) / 2 }
        var centerY: Float { (minY + maxY) / 2 }
    }

    /// Replaces the content of R*Tree `table` (which must exist, 2-D, no auxiliary columns).
    static func load(_ db: Database, table: String, entries: [Entry]) throws {
        let quoted = table.replacingOccurrences(of: "\"", with: "\"\"")
        // The R*Tree reads its node size from the root's length when it connects; keep it.
        let nodeSize = try Int.fetchOne(db, sql: "SELECT length(data) FROM \"\(quoted)_node\" WHERE nodeno = 1") ?? 4032
        let perNode = (nodeSize - 4) / 24
        try db.execute(sql: "DELETE FROM \"\(quoted)_rowid\"")
        try db.execute(sql: "DELETE FROM \"\(quoted)_parent\"")
        try db.execute(sql: "DELETE FROM \"\(quoted)_node\"")
        let insertNode = try db.makeStatement(sql: "INSERT INTO \"\(quoted)_node\" (nodeno, data) VALUES (?, ?)")
        guard !entries.isEmpty else {
            try insertNode.execute(arguments: [1, Data(node(depth: 0, cells: [], size: nodeSize))])
            return
        }
        let insertRowid = try db.makeStatement(sql: "INSERT INTO \"\(quoted)_rowid\" (rowid, nodeno) VALUES (?, ?)")
        let insertParent = try db.makeStatement(sql: "INSERT INTO \"\(quoted)_parent\" (nodeno, parentnode) VALUES (?, ?)")

        // Pack level by level from the leaves; node numbers are given once the tree's shape
        // is known, so that the root can be node 1 as the R*Tree requires.
        var levels: [[ArraySlice<Entry>]] = []
        var current = entries
        repeat {
            let groups = pack(current, perNode: perNode)
            levels.append(groups)
            // Above the leaves, an entry's id is the index of the node it covers in the level below.
            current = groups.enumerated().map { Entry(id: Int64($0.offset), covering: $0.element) }
        } while current.count > 1
        let depth = levels.count - 1

        // Number nodes top-down: root = 1.
        var numbers: [[Int64]] = Array(repeating: [], count: levels.count)
        var next: Int64 = 1
        for level in stride(from: levels.count - 1, through: 0, by: -1) {
            numbers[level] = levels[level].indices.map { _ in
                defer { next += 1 }
                return next
            }
        }
        var leafOf = [(id: Int64, node: Int64)]()
        leafOf.reserveCapacity(entries.count)
        for level in 0..<levels.count {
            for (i, group) in levels[level].enumerated() {
                let nodeNo = numbers[level][i]
                var cells = Array(group)
                if level > 0 {
                    for j in cells.indices {
                        cells[j].id = numbers[level - 1][Int(cells[j].id)]
                        try insertPair(insertParent, db, cells[j].id, nodeNo)
                    }
                } else {
                    for c in cells { leafOf.append((c.id, nodeNo)) }
                }
                try insertNode.execute(arguments: [nodeNo, Data(node(depth: level == depth ? depth : 0, cells: cells, size: nodeSize))])
            }
        }
        // In rowid order the _rowid table is appended to page by page instead of being
        // inserted into at random, which at a million features took most of the load's time.
        leafOf.sort { $0.id < $1.id }
        for pair in leafOf { try insertPair(insertRowid, db, pair.id, pair.node) }
    }

    /// One row of two integers, bound through SQLite's C API: GRDB's argument arrays cost
    /// more than the insert itself at this count.
    private static func insertPair(_ statement: Statement, _ db: Database, _ a: Int64, _ b: Int64) throws {
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, a)
        sqlite3_bind_int64(s, 2, b)
        let rc = sqlite3_step(s)
        guard rc == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
        }
    }

    /// Sort-Tile-Recursive: vertical slabs by x, each sorted by y, cut into full nodes.
    static func pack(_ entries: [Entry], perNode: Int) -> [ArraySlice<Entry>] {
        let nodes = (entries.count + perNode - 1) / perNode
        let slabs = Int(Double(nodes).squareRoot().rounded(.up))
        let slabSize = slabs * perNode
        let byX = entries.sorted { $0.centerX < $1.centerX }
        var packed = [Entry]()
        packed.reserveCapacity(entries.count)
        var start = 0
        while start < byX.count {
            let end = min(start + slabSize, byX.count)
            packed += byX[start..<end].sorted { $0.centerY < $1.centerY }
            start = end
        }
        return stride(from: 0, to: packed.count, by: perNode).map { packed[$0..<min($0 + perNode, packed.count)] }
    }

    static func node(depth: Int, cells: [Entry], size: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes[0] = UInt8(depth >> 8)
        bytes[1] = UInt8(depth & 0xFF)
        bytes[2] = UInt8(cells.count >> 8)
        bytes[3] = UInt8(cells.count & 0xFF)
        var o = 4
        func put64(_ v: Int64) {
            let u = UInt64(bitPattern: v)
            for s in stride(from: 56, through: 0, by: -8) {
                bytes[o] = UInt8((u >> UInt64(s)) & 0xFF)
                o += 1
            }
        }
        func put32(_ f: Float) {
            let u = f.bitPattern
            for s in stride(from: 24, through: 0, by: -8) {
                bytes[o] = UInt8((u >> UInt32(s)) & 0xFF)
                o += 1
            }
        }
        for c in cells {
            put64(c.id)
            put32(c.minX)
            put32(c.maxX)
            put32(c.minY)
            put32(c.maxY)
        }
        return bytes
    }
}
