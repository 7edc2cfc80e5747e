import NIOCore
import NIOWebSocket
import Synchronization

/// The WebSocket transport: the sending half of one WebSocket connection, whose frames are queued from any thread and
/// written in order on the connection's event loop (``EngineWebSocketHandler`` is the reading half).
///
/// Everything queued before the event loop gets to it is written with a single flush: a broadcast or a burst of
/// replies costs one `writev` per connection, not one per frame. The close frame goes out last, after every frame
/// queued before `close`; ``EngineWebSocketHandler`` then finishes the close handshake.
///
/// Backpressure: while the channel is not writable (its outbound buffer is past NIO's high-water mark, the client
/// is not reading) frames wait here instead, and once more than `limit` bytes wait, `onOverflow` runs (the session
/// closes with `transport error`) and nothing more is kept: a client that stops reading cannot grow the daemon.
final class WebSocketTransport: EngineTransport {
    static var name: EngineIOOptions.Transport { .websocket }

    private struct Pending {
        var frames: [WebSocketFrame] = []
        var bytes = 0
        var flushScheduled = false
        /// Asked for by `close`; written once, by the flush that finds it set.
        var closeCode: WebSocketErrorCode?
        /// Cut the connection once the close frame is out, without waiting for the client's answer.
        var disconnectsAfterClose = false
        var closeWritten = false
        var overflowed = false
        var onOverflow: (@Sendable () -> Void)?
    }

    private let channel: any Channel
    /// The framing of the client's protocol version.
    private let version: EngineProtocolVersion
    private let limit: Int
    private let pending = Mutex(Pending())

    init(channel: any Channel, version: EngineProtocolVersion, limit: Int) {
        self.channel = channel
        self.version = version
        self.limit = limit
    }

    func send(_ packets: [EnginePacket]) {
        send(OutboundPackets(packets))
    }

    /// Queues packets in Engine.IO's WebSocket framing, their payloads shared with other recipients.
    func send(_ outbound: OutboundPackets) {
        let frames = outbound.webSocketFrames(for: version)
        var overflow: (@Sendable () -> Void)?
        schedule { pending in
            guard pending.closeCode == nil, !pending.overflowed else { return }
            pending.frames.append(contentsOf: frames)
            pending.bytes += frames.reduce(0) { $0 + $1.data.readableBytes }
            if pending.bytes > limit {
                pending.overflowed = true
                pending.frames.removeAll()
                pending.bytes = 0
                overflow = pending.onOverflow
            }
        }
        // Not here: the session may be sending under its own lock, which closing takes.
        if let overflow { channel.eventLoop.execute { overflow() } }
    }

    /// Runs `body` on the connection's event loop once what was queued before has been written (its flush runs first).
    func afterQueuedWrites(_ body: @escaping @Sendable () -> Void) {
        channel.eventLoop.execute(body)
    }

    /// Runs once, on the event loop, if the frames waiting for the client pass the limit.
    func setOverflowHandler(_ handler: @escaping @Sendable () -> Void) {
        pending.withLock { $0.onOverflow = handler }
    }

    /// Whether the connection takes writes now (NIO's writability: its outbound buffer is below the high mark).
    var isWritable: Bool { channel.isWritable }

    /// On the event loop, when the channel became writable again: writes what waited.
    func channelBecameWritable() {
        schedule { _ in }
    }

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
        if needsFlush { channel.eventLoop.execute { self.flush() } }
    }

    /// On the event loop: writes what is queued (unless the channel is not writable: then it waits for
    /// ``channelBecameWritable()``), then the close frame if one was asked for, and flushes once.
    private func flush() {
        let writable = channel.isWritable
        let (frames, closeCode, disconnects) = pending.withLock { pending -> ([WebSocketFrame], WebSocketErrorCode?, Bool) in
            defer { pending.flushScheduled = false }
            let closing = pending.closeCode != nil && !pending.closeWritten
            guard writable || closing else { return ([], nil, false) }
            defer {
                pending.frames.removeAll()
                pending.bytes = 0
                if closing { pending.closeWritten = true }
            }
            return (pending.frames, closing ? pending.closeCode : nil, pending.disconnectsAfterClose)
        }
        for frame in frames { channel.write(frame, promise: nil) }
        if let closeCode {
            var data = channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: closeCode)
            let written: EventLoopPromise<Void>? = disconnects ? channel.eventLoop.makePromise() : nil
            written?.futureResult.whenComplete { [channel] _ in channel.close(promise: nil) }
            channel.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: written)
        }
        if !frames.isEmpty || closeCode != nil { channel.flush() }
    }
}
