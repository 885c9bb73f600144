import MachiHTTP
import Testing

@testable import MachiServer

/// Login throttling per (account, address) pair and per address, without lockouts.
@Suite struct LoginThrottleTests {
    let attacker = IPAddress("203.0.113.66")
    let owner = IPAddress("198.51.100.7")

    func allowed(_ t: LoginThrottle, _ account: String, _ address: IPAddress?, at now: Double) -> Bool {
        if case .success = t.begin(account: account, address: address, now: now) { return true }
        return false
    }

    @Test func delaysGrowPerPairAndNeverReachTheOwnersAddress() {
        let t = LoginThrottle()
        for i in 0..<3 { #expect(allowed(t, "traffic1", attacker, at: Double(i))) }
        #expect(!allowed(t, "traffic1", attacker, at: 2.5))
        guard case .failure(let wait) = t.begin(account: "traffic1", address: attacker, now: 3) else {
            Issue.record("fourth attempt at once must wait")
            return
        }
        #expect(wait.retryAfter == 1)  // 2 s after the third failure at t=2
        #expect(allowed(t, "traffic1", attacker, at: 4))
        #expect(!allowed(t, "traffic1", attacker, at: 7.9))  // then 4 s
        #expect(allowed(t, "traffic1", attacker, at: 8))
        #expect(t.delay(after: 40) == t.limits.maxDelay)
        // The owner, from their own address, is not slowed at all.
        #expect(allowed(t, "traffic1", owner, at: 8.1))
        // Another account from the attacker's address is its own pair.
        #expect(allowed(t, "senkyo1", attacker, at: 8.1))
    }

    @Test func successStartsThePairAfreshAndPairsAreForgotten() {
        let t = LoginThrottle()
        for i in 0..<2 { #expect(allowed(t, "a", owner, at: Double(i))) }
        guard case .success(let attempt) = t.begin(account: "a", address: owner, now: 2) else {
            Issue.record("third attempt is free")
            return
        }
        t.succeeded(attempt, now: 2)
        for i in 0..<3 { #expect(allowed(t, "a", owner, at: 3 + Double(i) * 0.1)) }
        #expect(!allowed(t, "a", owner, at: 3.5))
        #expect(allowed(t, "a", owner, at: 3.2 + 2 + t.limits.forgetAfter + 1))
        #expect(allowed(t, "a", owner, at: 3.2 + 2 + t.limits.forgetAfter + 1.1))  // forgotten: free again
    }

    @Test func oneAddressCannotTryEveryAccount() {
        let t = LoginThrottle()
        let burst = Int(t.limits.addressBurst)
        for i in 0..<burst { #expect(allowed(t, "user\(i)", attacker, at: 0)) }
        #expect(!allowed(t, "fresh", attacker, at: 0))
        #expect(allowed(t, "fresh", owner, at: 0))
        #expect(allowed(t, "fresh", attacker, at: 1 / t.limits.addressRate))  // one token back
    }

    /// Check and count are one step: 40 guesses at once get the free failures and no more.
    @Test func concurrentAttemptsGetNoMoreThanTheLimit() async {
        let t = LoginThrottle()
        let verified = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    guard case .success = t.begin(account: "traffic1", address: attacker) else { return false }
                    try? await Task.sleep(for: .milliseconds(20))  // the password check
                    return true
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(verified == t.limits.freeFailures)
    }

    @Test func aFloodOfNamesStaysWithinTheCap() {
        var limits = LoginThrottle.Limits()
        limits.capacity = 1000
        limits.addressBurst = 1_000_000
        let t = LoginThrottle(limits: limits)
        for i in 0..<20_000 { _ = t.begin(account: "random\(i)", address: attacker, now: Double(i) / 1000) }
        #expect(t.pairCount <= 1000)
        // The newest pairs are the ones kept.
        #expect(t.pairCount > 800)
    }

    @Test func tableEvictsTheSoonestExpiringAndDropsExpired() {
        var table = ExpiringTable<Int>(capacity: 10)
        for i in 0..<10 { table.set("k\(i)", i, expires: 100 + Double(i), now: 0) }
        table.set("new", 99, expires: 500, now: 0)
        #expect(table.count <= 10)
        #expect(table.value("k0", now: 0) == nil)
        #expect(table.value("k9", now: 0) == 9)
        #expect(table.value("new", now: 0) == 99)
        #expect(table.value("k9", now: 109) == nil)
    }
}
