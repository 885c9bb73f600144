import Foundation

/// A fixed set of threads for work that blocks: SQLite, GEOS, PROJ, bcrypt. Swift's cooperative
/// pool has one thread per core (2 here); handlers that ran those calls synchronously on it took
/// `/healthz` from 2 ms to a 376 ms median under six heavy clients (issue 10, item 4). Tasks that
/// prefer this executor (`withTaskExecutorPreference`) run their nonisolated code here, so the
/// cooperative pool stays free for the event-loop side and cheap routes.
public final class BlockingExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    /// FIFO of jobs: appended at the end, taken from `head` (compacted when half is consumed).
    private var jobs: [UnownedJob] = []
    private var head = 0
    public let threadCount: Int
    private static let marker = "machigis.blocking-executor"

    /// Two threads per core plus two: blocked threads mostly wait on disk or locks, and more of
    /// them than that only adds SQLite reader contention (measured in bench/run-mixed.sh).
    public static var defaultThreadCount: Int { 2 * ProcessInfo.processInfo.activeProcessorCount + 2 }

    /// One per process for the routers that are not given their own (tests build many routers).
    public static let shared = BlockingExecutor(threads: defaultThreadCount)

    public init(threads: Int, name: String = "machigis-blocking") {
        threadCount = max(1, threads)
        for i in 0..<threadCount {
            let thread = Thread { [self] in self.run() }
            thread.name = "\(name)-\(i)"
            thread.threadDictionary[Self.marker] = true
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head > 64, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// Whether the calling thread is one of a blocking executor's threads (for tests and asserts).
    public static func onBlockingThread() -> Bool { Thread.current.threadDictionary[marker] as? Bool == true }
}
