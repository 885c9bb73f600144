import MachiHTTP
import Testing

/// The client address behind proxies: X-Forwarded-For only from trusted peers.
@Suite struct ClientAddressTests {
    let proxies = ["10.0.0.0/8", "fd00::/8"].compactMap(IPNetwork.init)

    func resolve(_ peer: String?, _ xff: [String], trusted: [IPNetwork]? = nil) -> String? {
        ClientAddress.resolve(peer: peer, forwardedFor: xff, trusted: trusted ?? proxies)?.description
    }

    @Test func addressesParseToOneSpelling() throws {
        #expect(IPAddress("192.0.2.1")?.description == "192.0.2.1")
        #expect(IPAddress("2001:DB8:0:0::1")?.description == "2001:db8::1")
        #expect(IPAddress("::ffff:192.0.2.1") == IPAddress("192.0.2.1"))
        for bad in ["", "192.0.2", "192.0.2.1:80", "[::1]", "example.org", "1.2.3.4 ", "unknown"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        #expect(IPAddress("2001:db8:1:2:3:4:5:6")?.limitKey == "2001:db8:1:2::/64")
        #expect(IPAddress("192.0.2.1")?.limitKey == "192.0.2.1")
    }

    @Test func networksMatchTheirPrefixOnly() throws {
        let n = try #require(IPNetwork("192.168.4.0/22"))
        #expect(n.contains(IPAddress("192.168.7.255")!))
        #expect(!n.contains(IPAddress("192.168.8.0")!))
        #expect(!n.contains(IPAddress("::1")!))
        #expect(IPNetwork("::1")?.contains(IPAddress("::1")!) == true)
        #expect(IPNetwork("::1")?.contains(IPAddress("::2")!) == false)
        #expect(IPNetwork("0.0.0.0/0")?.contains(IPAddress("203.0.113.5")!) == true)
        #expect(IPNetwork("::ffff:10.0.0.0/104")?.contains(IPAddress("10.9.9.9")!) == true)
        for bad in ["10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "::/129", "10.0.0.0/", "/8", "10.0.0/8"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }

    @Test func forwardedForIsIgnoredFromUntrustedPeers() {
        #expect(resolve("203.0.113.7", ["198.51.100.1"]) == "203.0.113.7")
        #expect(resolve("203.0.113.7", ["198.51.100.1"], trusted: []) == "203.0.113.7")
        #expect(resolve("::ffff:203.0.113.7", []) == "203.0.113.7")
        #expect(resolve(nil, ["198.51.100.1"]) == nil)
    }

    @Test func trustedPeersGiveTheRightMostUntrustedHop() {
        #expect(resolve("10.0.0.2", ["198.51.100.1"]) == "198.51.100.1")
        #expect(resolve("10.0.0.2", []) == "10.0.0.2")
        // The client wrote the left part itself: only what our proxies appended counts.
        #expect(resolve("10.0.0.2", ["1.1.1.1, 198.51.100.1, 10.0.0.9"]) == "198.51.100.1")
        #expect(resolve("10.0.0.2", ["1.1.1.1", "198.51.100.1,10.0.0.9"]) == "198.51.100.1")
        #expect(resolve("fd00::2", ["2001:db8::5"]) == "2001:db8::5")
        #expect(resolve("10.0.0.2", ["10.0.0.8, 10.0.0.9"]) == "10.0.0.8")
        // Garbage stops the walk at the last trusted hop instead of believing anything left of it.
        #expect(resolve("10.0.0.2", ["198.51.100.1, bogus"]) == "10.0.0.2")
        #expect(resolve("10.0.0.2", ["198.51.100.1, bogus, 10.0.0.9"]) == "10.0.0.9")
    }
}
