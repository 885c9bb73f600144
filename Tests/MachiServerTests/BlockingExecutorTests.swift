import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiHTTP
import MachiServer
import MachiTestSupport
import Testing

/// Issue 10, item 4: handlers run on the blocking executor, not on Swift's cooperative pool.
@Suite struct BlockingExecutorTests {
    @Test func handlersRunOnBlockingThreads() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let router = try MachiServer.router(store: env.store, options: ServerOptions())
        router.get("test/thread") { _, _ in BlockingExecutor.onBlockingThread() ? "blocking" : "cooperative" }
        // After an await inside the handler too: the preference holds for the whole task.
        router.get("test/thread-after-await") { _, _ in
            try await Task.sleep(for: .milliseconds(1))
            return BlockingExecutor.onBlockingThread() ? "blocking" : "cooperative"
        }
        try await Application(router: router).test(.router) { client in
            for uri in ["/test/thread", "/test/thread-after-await"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(String(buffer: r.body) == "blocking", "\(uri)")
                }
            }
        }
    }

    @Test func requestsBeyondTheQueueGet503WithRetryAfter() async throws {
        let env = try TestEnvironment.withSampleLedger()
        var options = ServerOptions()
        options.blockingExecutor = BlockingExecutor(threads: 1, name: "test-blocking")
        options.blockingQueueLimit = 0
        let router = try MachiServer.router(store: env.store, options: options)
        let gate = Gate()
        router.get("test/slow") { _, _ in
            await gate.wait()
            return "done"
        }
        try await Application(router: router).test(.router) { client in
            async let first = client.execute(uri: "/test/slow", method: .get)
            try await Task.sleep(for: .milliseconds(200))  // the first holds the only place
            try await client.execute(uri: "/api/sewer/search?layer=pipes&limit=1", method: .get) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(r.headers[.retryAfter] == "1")
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/healthz", method: .get) { r in #expect(r.status == .ok) }
            await gate.open()
            #expect(try await first.status == .ok)
        }
    }
}

actor Gate {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var opened = false
    func wait() async {
        if opened { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        opened = true
        for w in waiters { w.resume() }
        waiters = []
    }
}
