import Synchronization

/// Remembers `numberMatched` (and, for bbox queries, the matching ids) per layer, data
/// version and query, so paging through a large result does not recount it on every page.
/// A new import bumps the data version, which makes old entries unreachable; they age out.
final class MatchCache: Sendable {
    struct Key: Hashable, Sendable {
        var layer: String
        var version: Int64
        var query: String
    }

    enum Entry: Sendable {
        case count(Int)
        case ids([Int64])

        var count: Int {
            switch self {
            case .count(let n): n
            case .ids(let ids): ids.count
            }
        }
    }

    /// Id lists longer than this are not kept (8 bytes each): only their count is.
    static let maxIds = 250_000
    static let maxEntries = 512
    /// Ids kept across all entries (8 MB): without this bound, clients varying a bbox over
    /// a large layer could make 512 × 250,000 ids, a gigabyte.
    static let maxTotalIds = 1_000_000
    /// Bytes of query text across all entries (4 MB): a key holds the filter's SQL and its
    /// values, up to a few hundred kilobytes for a 64,000-character filter.
    static let maxKeyBytes = 4 << 20

    private let state = Mutex<(entries: [Key: Entry], order: [Key], ids: Int, keyBytes: Int)>(([:], [], 0, 0))

    /// (entries, ids, key bytes) held now, for tests of the bounds.
    var usage: (entries: Int, ids: Int, keyBytes: Int) {
        state.withLock { ($0.entries.count, $0.ids, $0.keyBytes) }
    }

    func get(_ key: Key) -> Entry? {
        state.withLock { $0.entries[key] }
    }

    func put(_ key: Key, _ entry: Entry) {
        var entry = entry
        if case .ids(let ids) = entry, ids.count > Self.maxIds { entry = .count(ids.count) }
        let kept = entry
        state.withLock { s in
            if let old = s.entries.updateValue(kept, forKey: key) {
                s.ids -= old.idCount
                s.keyBytes -= key.bytes
                s.order.removeAll { $0 == key }
            }
            s.order.append(key)
            s.ids += kept.idCount
            s.keyBytes += key.bytes
            // Oldest first, but never the entry just put.
            while s.order.count > Self.maxEntries
                || (s.order.count > 1 && (s.ids > Self.maxTotalIds || s.keyBytes > Self.maxKeyBytes))
            {
                let oldest = s.order.removeFirst()
                s.ids -= s.entries.removeValue(forKey: oldest)?.idCount ?? 0
                s.keyBytes -= oldest.bytes
            }
        }
    }
}

extension MatchCache.Key {
    var bytes: Int { layer.utf8.count + query.utf8.count }
}

extension MatchCache.Entry {
    var idCount: Int {
        if case .ids(let ids) = self { return ids.count }
        return 0
    }
}
