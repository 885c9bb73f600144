import Foundation
import MachiHTTP
import Synchronization

/// Slows password guessing without letting anyone lock a staff member out.
///
/// Failures count per (account, client address) pair: the first `freeFailures` go at full
/// speed (typos), then each further attempt waits `baseDelay` seconds, doubling per failure
/// up to `maxDelay`. An attacker therefore slows only their own attempts on that account;
/// the owner signing in from their own address is unaffected. A pair is forgotten after
/// `forgetAfter` seconds without attempts once its delay has run out.
///
/// Each address also has a token bucket of `addressBurst` attempts refilled at
/// `addressRate` per second, across all accounts, so one place cannot try one password on
/// every account. A successful login gives its token back.
///
/// Not limited: one account from many addresses. A per-account limit is exactly the
/// lockout this replaces; bcrypt (about 0.15 s a check) bounds a botnet's rate instead.
///
/// Check and count are one step under one lock: `begin` records the attempt as a failure
/// before the password is verified, and `succeeded` takes it back. Concurrent attempts
/// therefore see each other, and 40 parallel guesses get no more verifications than the
/// limit allows (a check-then-record design let them all through).
final class LoginThrottle: Sendable {
    struct Limits: Sendable {
        var freeFailures = 3
        var baseDelay: Double = 2
        var maxDelay: Double = 15 * 60
        var forgetAfter: Double = 15 * 60
        var addressBurst: Double = 30
        var addressRate: Double = 1.0 / 30
        /// Entries per table: about 150 bytes each, so a few MB at most.
        var capacity = 20_000
    }

    struct Pair: Sendable {
        var failures: Int
        var nextAllowed: Double
    }

    /// A reserved attempt: verify the password, then call `succeeded` if it was right.
    struct Attempt: Sendable {
        let pairKey: String
        let addressKey: String
    }

    struct State: Sendable {
        var pairs: ExpiringTable<Pair>
        var addresses: ExpiringTable<TokenBucket>
    }

    let limits: Limits
    private let state: Mutex<State>

    init(limits: Limits = Limits()) {
        self.limits = limits
        state = Mutex(State(pairs: ExpiringTable(capacity: limits.capacity), addresses: ExpiringTable(capacity: limits.capacity)))
    }

    /// The delay after `failures` failures in a row.
    func delay(after failures: Int) -> Double {
        guard failures >= limits.freeFailures else { return 0 }
        let doublings = min(failures - limits.freeFailures, 30)
        return min(limits.maxDelay, limits.baseDelay * Double(1 << doublings))
    }

    /// Reserves an attempt for `account` from `address` (nil: unknown peer), or returns
    /// the whole seconds to wait before the next one.
    func begin(account: String, address: IPAddress?, now: Double = ProcessInfo.processInfo.systemUptime) -> Result<Attempt, Wait> {
        let addressKey = address?.limitKey ?? "unknown"
        let pairKey = account + "\u{0}" + addressKey
        return state.withLock { s in
            let pair = s.pairs.value(pairKey, now: now) ?? Pair(failures: 0, nextAllowed: now)
            if pair.nextAllowed > now { return .failure(Wait(seconds: pair.nextAllowed - now)) }
            if let wait = s.addresses.take(addressKey, rate: limits.addressRate, burst: limits.addressBurst, now: now) {
                return .failure(Wait(seconds: wait))
            }
            let failures = pair.failures + 1
            let next = now + delay(after: failures)
            s.pairs.set(pairKey, Pair(failures: failures, nextAllowed: next), expires: next + limits.forgetAfter, now: now)
            return .success(Attempt(pairKey: pairKey, addressKey: addressKey))
        }
    }

    /// The password was right: the pair starts afresh and the address gets its token back.
    func succeeded(_ attempt: Attempt, now: Double = ProcessInfo.processInfo.systemUptime) {
        state.withLock { s in
            s.pairs.remove(attempt.pairKey)
            s.addresses.refund(attempt.addressKey, rate: limits.addressRate, burst: limits.addressBurst, now: now)
        }
    }

    var pairCount: Int { state.withLock { $0.pairs.count } }

    struct Wait: Error, Sendable {
        var seconds: Double
        /// For Retry-After: whole seconds, at least 1.
        var retryAfter: Int { max(1, Int(seconds.rounded(.up))) }
    }
}
