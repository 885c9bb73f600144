/// A dictionary for per-client state whose entries expire and whose size is capped, so a
/// flood of new keys (random user names, spoofed or rotating addresses) costs bounded memory.
///
/// Expired entries are dropped when read and swept when the table is full; when it is still
/// full, the tenth that would expire soonest goes (the least punished or most nearly
/// refilled state, the least useful to keep). Sorting 20,000 entries takes a few ms and
/// happens once per 2,000 insertions at worst, instead of a scan on every insertion.
public struct ExpiringTable<Value: Sendable>: Sendable {
    struct Entry: Sendable {
        var value: Value
        var expires: Double
    }

    public let capacity: Int
    private var entries: [String: Entry] = [:]

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public var count: Int { entries.count }

    /// The live value of `key`, or nil when absent or expired at `now`.
    public mutating func value(_ key: String, now: Double) -> Value? {
        guard let entry = entries[key] else { return nil }
        guard entry.expires > now else {
            entries[key] = nil
            return nil
        }
        return entry.value
    }

    /// Stores `value` until `expires` (seconds on the same clock as `now`).
    public mutating func set(_ key: String, _ value: Value, expires: Double, now: Double) {
        if entries[key] == nil, entries.count >= capacity { makeRoom(now: now) }
        entries[key] = Entry(value: value, expires: expires)
    }

    public mutating func remove(_ key: String) { entries[key] = nil }

    mutating func makeRoom(now: Double) {
        entries = entries.filter { $0.value.expires > now }
        let target = capacity - max(1, capacity / 10)
        guard entries.count > target else { return }
        let soonest = entries.sorted { $0.value.expires < $1.value.expires }.prefix(entries.count - target)
        for (key, _) in soonest { entries[key] = nil }
    }
}

/// A token bucket: `burst` requests at once, then `rate` per second. A bucket that has
/// refilled completely is the same as a new one, so it expires then.
public struct TokenBucket: Sendable {
    public var tokens: Double
    public var updated: Double

    public init(tokens: Double, updated: Double) {
        self.tokens = tokens
        self.updated = updated
    }

    /// Takes `cost` tokens; nil on success, otherwise the seconds until they are there.
    public mutating func take(_ cost: Double, rate: Double, burst: Double, now: Double) -> Double? {
        tokens = min(burst, tokens + max(0, now - updated) * rate)
        updated = now
        guard tokens >= cost else { return (cost - tokens) / rate }
        tokens -= cost
        return nil
    }

    public func fullAt(rate: Double, burst: Double) -> Double { updated + (burst - tokens) / rate }
}

extension ExpiringTable where Value == TokenBucket {
    /// Takes `cost` tokens from `key`'s bucket (a new key starts full); nil on success,
    /// otherwise the seconds to wait.
    public mutating func take(_ key: String, cost: Double = 1, rate: Double, burst: Double, now: Double) -> Double? {
        var bucket = value(key, now: now) ?? TokenBucket(tokens: burst, updated: now)
        let wait = bucket.take(cost, rate: rate, burst: burst, now: now)
        set(key, bucket, expires: bucket.fullAt(rate: rate, burst: burst), now: now)
        return wait
    }

    /// Gives back tokens taken for an attempt that turned out legitimate.
    public mutating func refund(_ key: String, cost: Double = 1, rate: Double, burst: Double, now: Double) {
        guard var bucket = value(key, now: now) else { return }
        bucket.tokens = min(burst, bucket.tokens + cost)
        set(key, bucket, expires: bucket.fullAt(rate: rate, burst: burst), now: now)
    }
}
