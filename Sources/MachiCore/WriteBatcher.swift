import Foundation
public import GRDB

/// Group commit for small concurrent writes. Each write runs in its own savepoint, but
/// all writes that arrive while the previous commit is being synced to disk share the next
/// transaction, so one fsync acknowledges many of them. A caller is resumed only after
/// the transaction holding its write has committed: an acknowledged write is durable.
public final class WriteBatcher: @unchecked Sendable {
    private struct Job {
        let work: (Database) throws -> any Sendable
        let resume: (Result<any Sendable, any Error>) -> Void
    }

    private let pool: DatabasePool
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false
    private let queue = DispatchQueue(label: "machigis.write-batcher")
    /// Bounds a transaction so one slow batch cannot hold the writer for long.
    public let maxBatch = 256

    public init(pool: DatabasePool) { self.pool = pool }

    public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            enqueue(
                Job(
                    work: { try work($0) },
                    resume: { result in continuation.resume(with: result.map { $0 as! T }) }))
        }
    }

    private func enqueue(_ job: Job) {
        lock.lock()
        pending.append(job)
        let start = !draining
        draining = true
        lock.unlock()
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            lock.lock()
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            if batch.isEmpty {
                draining = false
                lock.unlock()
                return
            }
            lock.unlock()
            var results = [Result<any Sendable, any Error>](repeating: .failure(CancellationError()), count: batch.count)
            do {
                try pool.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        for (i, job) in batch.enumerated() {
                            do {
                                try db.inSavepoint {
                                    results[i] = .success(try job.work(db))
                                    return .commit
                                }
                            } catch {
                                results[i] = .failure(error)
                            }
                        }
                        return .commit
                    }
                }
            } catch {
                // The commit itself failed: nothing in this batch is durable.
                results = Array(repeating: .failure(error), count: batch.count)
            }
            for (job, result) in zip(batch, results) { job.resume(result) }
        }
    }
}
