import Foundation

/// How long a client may take over each part of a request, and how many connections may be open.
/// Without these a half-sent request held a connection for good, and 1,030 idle connections
/// starved `/healthz` (issue 10, item 3).
public struct ConnectionLimits: Sendable {
    /// From the first byte of a request to the end of its header (slowloris).
    public var headerTimeout: Duration = .seconds(10)
    /// A keep-alive connection with no request under way is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// From the end of the header to the end of the body (a slow upload).
    public var bodyTimeout: Duration = .seconds(30)
    /// Open connections at most. Beyond it a new connection takes the place of the one idle for
    /// longest; when none is idle it is closed at once, so the answers under way are not slowed.
    public var maxConnections = 1000

    public init() {}

    /// The connection limit that fits the process's open-file limit: keep 128 descriptors for
    /// the database, its WAL, logs and static files.
    public static func connectionsFitting(fileLimit: Int) -> Int { max(16, min(10_000, fileLimit - 128)) }
}

/// Raises the soft open-file limit to the hard one (often 1,024 soft against 1,048,576 hard):
/// each connection holds a descriptor. Returns the limit now in force.
public func raiseOpenFileLimit() -> (before: Int, after: Int) {
    var r = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0 else { return (1024, 1024) }
    let before = Int(clamping: r.rlim_cur)
    let target = min(r.rlim_max, 65_536)
    if r.rlim_cur < target {
        var raised = r
        raised.rlim_cur = target
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return (before, Int(clamping: target)) }
    }
    return (before, before)
}
