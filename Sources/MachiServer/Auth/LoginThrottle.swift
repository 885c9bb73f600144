import Foundation
import Synchronization

/// Limits failed logins per account and per client address within a sliding window, so
/// passwords cannot be guessed at speed from one place or against one account from many.
final class LoginThrottle: Sendable {
    let maxFailures: Int
    let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    init(maxFailures: Int = 5, window: TimeInterval = 15 * 60) {
        self.maxFailures = maxFailures
        self.window = window
    }

    /// Seconds until the key may try again, or nil when it may try now.
    func retryAfter(_ keys: [String], now: Date = Date()) -> Int? {
        failures.withLock { table in
            var wait: TimeInterval = 0
            for key in keys {
                let recent = (table[key] ?? []).filter { now.timeIntervalSince($0) < window }
                table[key] = recent.isEmpty ? nil : recent
                if recent.count >= maxFailures, let oldest = recent.first {
                    wait = max(wait, window - now.timeIntervalSince(oldest))
                }
            }
            return wait > 0 ? Int(wait.rounded(.up)) : nil
        }
    }

    func recordFailure(_ keys: [String], now: Date = Date()) {
        failures.withLock { table in
            for key in keys { table[key, default: []].append(now) }
        }
    }

    func reset(_ key: String) {
        failures.withLock { _ = $0.removeValue(forKey: key) }
    }
}
