import Foundation
public import HummingbirdCore
public import Logging
public import NIOCore
import NIOHTTPTypes

/// The HTTP/1.1 child channel with header and body deadlines and a connection limit around it.
/// Hummingbird offers an idle timeout (used as is) and `MaximumAvailableConnections`, which stops
/// accepting at the limit: then even `/healthz` waits in the backlog behind idle clients. Here a
/// new connection instead takes the place of the one idle for longest.
public struct GuardedHTTP1Channel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    let limits: ConnectionLimits
    let table: ConnectionTable

    public init(responder: @escaping HTTPChannelHandler.Responder, limits: ConnectionLimits) {
        inner = HTTP1Channel(responder: responder, configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout)))
        self.limits = limits
        table = ConnectionTable(limit: limits.maxConnections)
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard let id = table.admit(channel) else {
            logger.debug("connection refused: \(limits.maxConnections) open and none idle")
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        }
        let table = table
        let limits = limits
        channel.closeFuture.whenComplete { _ in table.remove(id) }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let ops = channel.pipeline.syncOperations
            let clock = RequestClock(limits: limits, table: table, id: id)
            try ops.addHandler(clock, position: .first)
            let state = try ops.handler(type: HTTPConnectionStateHandler.self)
            try ops.addHandler(RequestPartWatcher(clock: clock), position: .before(state))
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async { await inner.handle(value: value, logger: logger) }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with MachiGIS's deadlines and connection limit.
    public static func guardedHTTP1(_ limits: ConnectionLimits) -> HTTPServerBuilder {
        .init { responder in GuardedHTTP1Channel(responder: responder, limits: limits) }
    }
}

/// Open connections, what each is doing and since when.
final class ConnectionTable: @unchecked Sendable {
    enum Activity { case idle, receiving, answering }
    private struct Entry {
        let channel: any Channel
        var activity: Activity
        var since: UInt64
    }
    private let lock = NSLock()
    private var open: [Int: Entry] = [:]
    private var nextID = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// An id for the new connection, or nil when it must be refused. At the limit one connection
    /// is closed to make room: the longest-idle one (an idle keep-alive connection costs its client
    /// nothing to reopen), else the one that has been sending its request for longest — slowloris
    /// clients renew half-sent requests just inside the header deadline, and only idle eviction
    /// let them hold every slot. An answer under way is never cut.
    func admit(_ channel: any Channel) -> Int? {
        lock.lock()
        var evicted: (any Channel)?
        if open.count >= limit {
            let victim = oldest(.idle) ?? oldest(.receiving)
            guard let victim else {
                lock.unlock()
                return nil
            }
            evicted = open.removeValue(forKey: victim)?.channel
        }
        let id = nextID
        nextID += 1
        open[id] = Entry(channel: channel, activity: .idle, since: DispatchTime.now().uptimeNanoseconds)
        lock.unlock()
        evicted?.close(promise: nil)
        return id
    }

    /// Called with the lock held.
    private func oldest(_ activity: Activity) -> Int? {
        var best: (id: Int, since: UInt64)?
        for (id, e) in open where e.activity == activity && e.since < (best?.since ?? .max) { best = (id, e.since) }
        return best?.id
    }

    func mark(_ id: Int, _ activity: Activity) {
        lock.lock()
        if open[id] != nil {
            open[id]!.activity = activity
            open[id]!.since = DispatchTime.now().uptimeNanoseconds
        }
        lock.unlock()
    }

    func remove(_ id: Int) {
        lock.lock()
        open[id] = nil
        lock.unlock()
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return open.count
    }
}

/// First in the pipeline, on raw bytes: starts the header deadline at a request's first byte
/// (the idle timeout runs until then) and answers 408 when a deadline passes.
final class RequestClock: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    enum Phase { case waiting, header, body, answering }

    let limits: ConnectionLimits
    let table: ConnectionTable
    let id: Int
    var phase = Phase.waiting
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(limits: ConnectionLimits, table: ConnectionTable, id: Int) {
        self.limits = limits
        self.table = table
        self.id = id
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if phase == .waiting, unwrapInboundIn(data).readableBytes > 0 {
            phase = .header
            table.mark(id, .receiving)
            arm(limits.headerTimeout)
        }
        context.fireChannelRead(data)
    }

    func headerRead() {
        phase = .body
        arm(limits.bodyTimeout)
    }

    func bodyRead() {
        phase = .answering
        table.mark(id, .answering)
        timer?.cancel()
        timer = nil
    }

    func answered() {
        // A pipelined request already read stays in `.answering` until its own answer.
        guard phase == .answering else { return }
        phase = .waiting
        table.mark(id, .idle)
    }

    private func arm(_ delay: Duration) {
        timer?.cancel()
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [self] in self.expire() }
    }

    /// The client was too slow: 408 straight onto the socket (no answer has begun), then close.
    private func expire() {
        guard let context, phase == .header || phase == .body else { return }
        let text = "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: text)), promise: nil)
        context.close(promise: nil)
    }
}

/// After HTTP decoding: tells the clock when a request's header and body have arrived and when
/// its answer has been written.
final class RequestPartWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let clock: RequestClock
    init(clock: RequestClock) { self.clock = clock }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: clock.headerRead()
        case .end: clock.bodyRead()
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { clock.answered() }
        context.write(data, promise: promise)
    }
}
