import Foundation

/// Who is on the other end of a request, for rate limits, login throttling and logs.
///
/// Only `X-Forwarded-For` is read, and only when the TCP peer is one of the configured
/// trusted proxies: any client can write that header, so believing it from anyone would
/// let an attacker pick a fresh address per request (escaping every limit) or borrow a
/// victim's (locking them out). `X-Real-IP`, `Forwarded` and the like are ignored so there
/// is exactly one way in; configure the proxy to append to X-Forwarded-For (nginx:
/// `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`).
public enum ClientAddress {
    /// The client address: the peer itself unless it is a trusted proxy; then the right-most
    /// X-Forwarded-For entry that is not a trusted proxy, since everything left of that was
    /// written by the untrusted client. When every entry is trusted, the left-most one.
    /// An entry that is not an IP address ends the walk at the last trusted hop (the proxy
    /// that received it): a trusted proxy never writes garbage, so it came from the client.
    /// nil only when the peer is unknown (in-process tests).
    public static func resolve(peer: String?, forwardedFor: [String], trusted: [IPNetwork]) -> IPAddress? {
        guard let peerText = peer, let peer = IPAddress(peerText) else { return nil }
        guard isTrusted(peer, trusted) else { return peer }
        var hop = peer
        let entries = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for entry in entries.reversed() {
            guard let address = IPAddress(entry) else { return hop }
            hop = address
            if !isTrusted(address, trusted) { return address }
        }
        return hop
    }

    static func isTrusted(_ address: IPAddress, _ trusted: [IPNetwork]) -> Bool {
        trusted.contains { $0.contains(address) }
    }
}
