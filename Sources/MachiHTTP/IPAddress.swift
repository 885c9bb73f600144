#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address as its network-order bytes. IPv4-mapped IPv6 addresses
/// (`::ffff:192.0.2.1`, what a dual-stack listener reports for IPv4 peers) are stored as
/// IPv4, so a proxy or a client has one identity whichever way it connected.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    /// Parses the textual forms inet_pton accepts (no brackets, ports or zone ids: those
    /// never appear in X-Forwarded-For entries written by a proxy we trust).
    public init?(_ text: some StringProtocol) {
        let s = String(text)
        guard !s.isEmpty, s.utf8.count <= 45 else { return nil }
        var v4 = [UInt8](repeating: 0, count: 4)
        if v4.withUnsafeMutableBytes({ inet_pton(AF_INET, s, $0.baseAddress) }) == 1 {
            bytes = v4
            return
        }
        var v6 = [UInt8](repeating: 0, count: 16)
        guard v6.withUnsafeMutableBytes({ inet_pton(AF_INET6, s, $0.baseAddress) }) == 1 else { return nil }
        bytes = v6.starts(with: Self.mappedPrefix) ? Array(v6[12...]) : v6
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    /// The canonical text (inet_ntop): one spelling per address, so it can key tables.
    public var description: String {
        var out = [CChar](repeating: 0, count: 64)
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { inet_ntop(family, src.baseAddress, $0.baseAddress, socklen_t($0.count)) != nil }
        }
        return ok ? String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }

    /// The key for per-client limits: the address itself for IPv4, its /64 for IPv6, since
    /// one IPv6 subscriber usually holds a whole /64 and could otherwise rotate through it.
    public var limitKey: String {
        isIPv4 ? description : IPAddress(bytes: Array(bytes[..<8]) + [UInt8](repeating: 0, count: 8)).description + "/64"
    }
}

/// An address block in CIDR notation (`10.0.0.0/8`, `fd00::/8`, or one address).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let writtenAsIPv6 = parts[0].contains(":")
        var length = address.bytes.count * 8
        if parts.count == 2 {
            guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(parts[1]), n <= (writtenAsIPv6 ? 128 : 32) else {
                return nil
            }
            // A mapped IPv4 block written in IPv6 form counts its prefix over 128 bits.
            length = address.isIPv4 && writtenAsIPv6 ? n - 96 : n
            guard length >= 0 else { return nil }
        }
        self.address = address
        prefixLength = length
    }

    public func contains(_ other: IPAddress) -> Bool {
        guard other.bytes.count == address.bytes.count else { return false }
        var left = prefixLength
        for (a, b) in zip(address.bytes, other.bytes) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
