import Foundation
public import Hummingbird

/// Runs the rest of the chain (authentication, handlers, their SQLite/GEOS/PROJ/bcrypt calls)
/// on the blocking executor, except for the cheap routes that must answer while it is busy.
/// Requests beyond the threads plus `queueLimit` waiting ones get 503 with `Retry-After`: a
/// queue without bound would only turn overload into timeouts and memory.
public struct BlockingWorkMiddleware<Context: RequestContext>: RouterMiddleware {
    let executor: BlockingExecutor
    let exempt: Set<String>
    let admission: Admission
    let metrics: ServerMetrics?

    public init(executor: BlockingExecutor, queueLimit: Int, metrics: ServerMetrics? = nil, exempt: Set<String> = ["/healthz", "/metrics"])
    {
        self.executor = executor
        self.exempt = exempt
        self.metrics = metrics
        admission = Admission(limit: executor.threadCount + max(0, queueLimit))
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if exempt.contains(request.uri.path) { return try await next(request, context) }
        guard admission.enter() else {
            var p = Problem(
                .serviceUnavailable, "Server busy",
                detail: "\(admission.limit) requests are being served or waiting; try again shortly")
            p.extraHeaders[.retryAfter] = "1"
            throw p
        }
        metrics?.blockingAdmitted.increment()
        defer {
            admission.leave()
            metrics?.blockingAdmitted.decrement()
        }
        return try await withTaskExecutorPreference(executor) { try await next(request, context) }
    }
}

final class Admission: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func enter() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard current < limit else { return false }
        current += 1
        return true
    }

    func leave() {
        lock.lock()
        current -= 1
        lock.unlock()
    }
}
