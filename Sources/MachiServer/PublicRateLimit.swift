import Foundation
import HTTPTypes
import Hummingbird
import MachiHTTP
import Synchronization

/// Token buckets per client address (`context.clientAddress`; IPv6 by /64) on the public
/// endpoints that cost real work, so one client cannot take the server from everyone.
/// Cheap requests are never counted, and signed-in staff are exempt: they are few,
/// identified and audited, and a field worker panning a map must not be told to wait.
final class PublicRateLimiter: Sendable {
    let rate: Double
    let burst: Double
    private let buckets: Mutex<ExpiringTable<TokenBucket>>

    /// `capacity` clients tracked at once (about 100 bytes each); beyond, the most nearly
    /// refilled buckets are forgotten first (a forgotten bucket restarts full).
    init(rate: Double, burst: Double, capacity: Int = 50_000) {
        self.rate = rate
        self.burst = burst
        buckets = Mutex(ExpiringTable(capacity: capacity))
    }

    var count: Int { buckets.withLock { $0.count } }

    /// nil when the request may go ahead, otherwise the seconds until it may.
    func take(_ key: String, now: Double = ProcessInfo.processInfo.systemUptime) -> Double? {
        buckets.withLock { $0.take(key, rate: rate, burst: burst, now: now) }
    }
}

/// Which public requests are expensive enough to count. Add a rule here for new heavy
/// endpoints (address geocoding, bulk extracts) rather than in their handlers, so the
/// limit stays in one place and applies before any work starts.
enum ExpensiveRequests {
    /// Items pages above this many features (each one read, transformed and written).
    static let itemsLimit = 1000
    /// Tiles below this zoom cover a square kilometre or more: a z13 or z14 pipe tile reads,
    /// projects and clips every pipe in it before the byte budget drops any (tens of
    /// thousands in a dense city, tens of ms each), so they count as expensive too; from z15
    /// on a tile is a few hundred metres across.
    static let tileZoom = 15

    static func isExpensive(_ request: Request) -> Bool {
        let segments = request.uri.path.split(separator: "/")
        switch segments.count {
        case 4 where segments[0] == "ogc" && segments[1] == "collections" && segments[3] == "items":
            // Parsed as the route parses it (so `lim%69t=` counts too); a query the route
            // refuses is its 400, not work.
            let query = try? QueryParameters(rawQuery: request.uri.query ?? "") { _ in true }
            return query?.values["limit"].flatMap { Int($0) }.map { $0 > itemsLimit } ?? false
        case 5 where segments[0] == "tiles":
            return Int(segments[2]).map { $0 < tileZoom } ?? false
        default:
            return false
        }
    }
}

struct PublicRateLimitMiddleware: RouterMiddleware {
    typealias Context = MachiRequestContext
    let limiter: PublicRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if context.user == nil, ExpensiveRequests.isExpensive(request),
            let wait = limiter.take(context.clientAddress?.limitKey ?? "unknown")
        {
            let seconds = max(1, Int(wait.rounded(.up)))
            var p = Problem(
                .tooManyRequests, "Too many requests",
                detail: "this client sent more large requests than \(limiter.rate) per second allows; try again in \(seconds) s")
            p.extraHeaders[.retryAfter] = String(seconds)
            throw p
        }
        return try await next(request, context)
    }
}
