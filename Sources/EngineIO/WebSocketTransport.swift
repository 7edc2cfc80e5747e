import NIOCore
import NIOWebSocket
import Synchronization

/// The WebSocket transport: the sending half of one WebSocket connection, whose frames are queued from any thread and
/// written in order on the connection's event loop (``EngineWebSocketHandler`` is the reading half).
///
/// Frames are pre-framed bytes (``OutboundPackets``), written as they are. Sent on the connection's own loop with nothing
/// waiting, they are written at once and flushed by the loop's ``ChannelFlusher`` when the loop's turn ends; from any
/// other thread, everything queued before the loop gets to it is written with a single flush, by a task the flusher
/// shares between every connection of the loop that has frames waiting. Either way a broadcast
/// or a burst of replies costs one `writev` per connection, not one per frame. The close frame goes out last, after
/// every frame queued before `close`; ``EngineWebSocketHandler`` then finishes the close handshake.
///
/// Backpressure: while the channel is not writable (its outbound buffer is past NIO's high-water mark, the client
/// is not reading) frames wait here instead, counted in the server's ``OutboundBudget``; once more than `limit` bytes
/// wait, or they grow while the budget's total is past its limit, the pipeline hears ``Overflowed``
/// (``EngineWebSocketHandler`` closes the session with `transport error`) and nothing more is kept: a client that stops
/// reading cannot grow the daemon, nor can many of them together.
///
/// A transport is made before its handshake response is written (an upgrade's probe must be taken in by the session
/// first), so it writes nothing until ``pipelineAttached()``: what it is sent or asked to do meanwhile waits.
final class WebSocketTransport: EngineTransport {
    static var name: EngineIOOptions.Transport { .websocket }

    private struct Pending {
        var frames: [ByteBuffer] = []
        var bytes = 0
        var flushScheduled = false
        /// Asked for by `close`; written once, by the flush that finds it set.
        var closeCode: WebSocketErrorCode?
        /// Cut the connection once the close frame is out, without waiting for the client's answer.
        var disconnectsAfterClose = false
        var closeWritten = false
        var overflowed = false
        /// Written in place and waiting for the flusher.
        var awaitingFlush = false
        /// The channel speaks WebSocket and ``EngineWebSocketHandler`` is in its pipeline.
        var attached = false
        /// The bytes of `frames` counted in the budget: those found waiting by the last write.
        var counted = 0
        /// The connection is gone: nothing more is kept.
        var channelClosed = false
    }

    private let channel: any Channel
    /// The framing of the client's protocol version.
    private let version: EngineProtocolVersion
    private let limit: Int
    private let budget: OutboundBudget
    private let flusher: ChannelFlusher
    private let pending = Mutex(Pending())

    /// `flusher`: the one of the channel's event loop; `budget`: the server's.
    init(channel: any Channel, version: EngineProtocolVersion, limit: Int, budget: OutboundBudget, flusher: ChannelFlusher) {
        self.channel = channel
        self.version = version
        self.limit = limit
        self.budget = budget
        self.flusher = flusher
    }

    /// The connection's event loop, where its frames are written.
    var eventLoop: any EventLoop { channel.eventLoop }

    func send(_ packets: [EnginePacket]) {
        send(OutboundPackets(packets))
    }

    /// Queues packets in Engine.IO's WebSocket framing, their payloads shared with other recipients.
    func send(_ outbound: OutboundPackets) {
        if channel.eventLoop.inEventLoop, writeInPlace(outbound) { return }
        let frames = outbound.webSocketFrames(for: version)
        var released: Int?
        schedule { pending in
            guard pending.closeCode == nil, !pending.overflowed, !pending.channelClosed else { return }
            pending.frames.append(contentsOf: frames)
            pending.bytes += frames.reduce(0) { $0 + $1.readableBytes }
            if pending.bytes > limit { released = Self.overflow(&pending) }
        }
        // Not in place: the session is in the middle of sending.
        if let released {
            _ = budget.add(-released)
            channel.eventLoop.execute { [channel] in
                channel.pipeline.syncOperations.fireUserInboundEventTriggered(Overflowed(pastTotal: false))
            }
        }
    }

    /// Drops what waits, for good; the bytes it had counted in the budget.
    private static func overflow(_ pending: inout Pending) -> Int {
        pending.overflowed = true
        return dropWaiting(&pending)
    }

    /// Drops the frames that wait; the bytes they had counted in the budget.
    private static func dropWaiting(_ pending: inout Pending) -> Int {
        defer {
            pending.frames.removeAll()
            pending.bytes = 0
            pending.counted = 0
        }
        return pending.counted
    }

    /// On the loop: writes the frames now if nothing waits to go before them and the channel takes writes; the loop's
    /// flusher flushes them. False when they must queue.
    private func writeInPlace(_ outbound: OutboundPackets) -> Bool {
        guard channel.isWritable else { return false }
        let (inPlace, flushes) = pending.withLock { pending -> (Bool, Bool) in
            guard pending.attached, pending.frames.isEmpty, !pending.flushScheduled, pending.closeCode == nil,
                  !pending.overflowed
            else {
                return (false, false)
            }
            defer { pending.awaitingFlush = true }
            return (true, !pending.awaitingFlush)
        }
        guard inPlace else { return false }
        for frame in outbound.frames {
            channel.write(EngineWebSocketHandler.Outbound.frame(frame.bytes(for: version)), promise: nil)
        }
        if flushes { flusher.flushSoon(self) }
        return true
    }

    /// On the loop, from the flusher: flushes what was written in place.
    func flushWrittenInPlace() {
        pending.withLock { $0.awaitingFlush = false }
        channel.flush()
    }

    /// Runs `body` on the connection's event loop once what was queued before has been written and flushed.
    func afterQueuedWrites(_ body: @escaping @Sendable () -> Void) {
        channel.eventLoop.execute {
            // What was written in place may still wait for the flusher: it goes out first.
            self.flushWrittenInPlace()
            body()
        }
    }

    /// The user event fired, once, when the frames waiting for the client pass the limit, or grow while the total
    /// waiting for all clients is past the budget's (`pastTotal`).
    struct Overflowed {
        var pastTotal: Bool
    }

    /// On the event loop, once the connection is gone: what waits is dropped and leaves the budget, and nothing more
    /// is kept.
    func channelClosed() {
        let released = pending.withLock { pending in
            pending.channelClosed = true
            return Self.dropWaiting(&pending)
        }
        if released > 0 { _ = budget.add(-released) }
    }

    /// Whether the connection takes writes now (NIO's writability: its outbound buffer is below the high mark).
    var isWritable: Bool { channel.isWritable }

    /// On the event loop, when the channel became writable again: writes what waited.
    func channelBecameWritable() {
        schedule { _ in }
    }

    /// On the event loop, once the handshake response is out and ``EngineWebSocketHandler`` is in the pipeline: writes
    /// what waited.
    func pipelineAttached() {
        schedule { $0.attached = true }
    }

    /// Whether ``pipelineAttached()`` was called.
    var isAttached: Bool { pending.withLock { $0.attached } }

    func close(_ code: WebSocketErrorCode = .normalClosure) {
        schedule { pending in
            if pending.closeCode == nil { pending.closeCode = code }
        }
    }

    /// Refuses a WebSocket that never became (or probed for) a session: the close frame, then the connection at once;
    /// some clients (Node's undici) never answer a close frame that arrives with the handshake response.
    func refuse() {
        schedule { pending in
            guard pending.closeCode == nil else { return }
            pending.closeCode = .normalClosure
            pending.disconnectsAfterClose = true
        }
    }

    private func schedule(_ change: (inout Pending) -> Void) {
        let needsFlush = pending.withLock { pending in
            change(&pending)
            defer { pending.flushScheduled = true }
            return !pending.flushScheduled
        }
        if needsFlush { flusher.writeQueued(of: self) }
    }

    /// On the event loop, from the flusher: writes what is queued (unless the channel is not writable: then it waits
    /// for ``channelBecameWritable()``), then the close frame if one was asked for, and flushes once.
    func writeQueued() {
        let writable = channel.isWritable
        let (frames, closeCode, disconnects, waiting) = pending.withLock {
            pending -> ([ByteBuffer], WebSocketErrorCode?, Bool, Int) in
            defer { pending.flushScheduled = false }
            let closing = pending.closeCode != nil && !pending.closeWritten
            guard pending.attached, writable || closing else {
                // The frames wait: counted in the budget as they are now (those of a handshake still under way are
                // not: it ends in moments either way).
                guard pending.attached else { return ([], nil, false, 0) }
                defer { pending.counted = pending.bytes }
                return ([], nil, false, pending.bytes - pending.counted)
            }
            defer {
                pending.frames.removeAll()
                pending.bytes = 0
                pending.counted = 0
                if closing { pending.closeWritten = true }
            }
            return (pending.frames, closing ? pending.closeCode : nil, pending.disconnectsAfterClose, -pending.counted)
        }
        if waiting != 0, budget.add(waiting), waiting > 0 {
            // More waits for this client while the total is past the budget: it goes, as one past its own limit does.
            let released = pending.withLock { Self.overflow(&$0) }
            _ = budget.add(-released)
            channel.pipeline.syncOperations.fireUserInboundEventTriggered(Overflowed(pastTotal: true))
            return
        }
        for frame in frames { channel.write(EngineWebSocketHandler.Outbound.frame(frame), promise: nil) }
        if let closeCode {
            let written: EventLoopPromise<Void>? = disconnects ? channel.eventLoop.makePromise() : nil
            written?.futureResult.whenComplete { [channel] _ in channel.close(promise: nil) }
            channel.write(EngineWebSocketHandler.Outbound.close(closeCode), promise: written)
        }
        if !frames.isEmpty || closeCode != nil { channel.flush() }
    }
}
