import NIOCore
import NIOWebSocket
import Synchronization

/// The sending half of one WebSocket: frames queued from any thread, written in order on the connection's event loop.
///
/// Frames go straight to the channel (through its WebSocket frame encoder), and everything queued before the event
/// loop gets to it is written with a single flush: a broadcast or a burst of replies costs one `writev` per
/// connection, not one per frame. Only the close handshake goes through Hummingbird's writer (`closeRequests`).
///
/// Backpressure: while the channel is not writable (its outbound buffer is past NIO's high-water mark, the client
/// is not reading) frames wait here instead, and once more than `limit` bytes wait, `onOverflow` runs (the session
/// closes with `transport error`) and nothing more is kept: a client that stops reading cannot grow the daemon.
final class WebSocketSink: Sendable {
    private struct Pending {
        var frames: [WebSocketFrame] = []
        var bytes = 0
        var flushScheduled = false
        var closeCode: WebSocketErrorCode?
        var overflowed = false
        var onOverflow: (@Sendable () -> Void)?
    }

    private let channel: any Channel
    private let limit: Int
    private let pending = Mutex(Pending())
    /// Yields the close code once, after every frame queued before `close` has been written.
    let closeRequests: AsyncStream<WebSocketErrorCode>
    private let closeContinuation: AsyncStream<WebSocketErrorCode>.Continuation

    init(channel: any Channel, limit: Int) {
        self.channel = channel
        self.limit = limit
        (closeRequests, closeContinuation) = AsyncStream.makeStream(of: WebSocketErrorCode.self)
    }

    /// Queues packets in Engine.IO's WebSocket framing for `version`.
    func send(_ packets: [EnginePacket], version: EngineProtocolVersion) {
        let frames = packets.map { packet in
            switch packet.payload {
            case .binary(let bytes):
                // v3 prefixes binary frames with the packet type byte; v4 sends the bare data.
                var buffer = ByteBuffer()
                if version == .v3 { buffer.writeInteger(packet.kind.rawValue) }
                buffer.writeBytes(bytes)
                return WebSocketFrame(fin: true, opcode: .binary, data: buffer)
            default:
                return WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: packet.textFrame))
            }
        }
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

    private func schedule(_ change: (inout Pending) -> Void) {
        let needsFlush = pending.withLock { pending in
            change(&pending)
            defer { pending.flushScheduled = true }
            return !pending.flushScheduled
        }
        if needsFlush { channel.eventLoop.execute { self.flush() } }
    }

    /// On the event loop: writes what is queued (unless the channel is not writable: then it waits for
    /// ``channelBecameWritable()``), flushes once, then passes on a close request.
    private func flush() {
        let writable = channel.isWritable
        let (frames, closeCode) = pending.withLock { pending in
            defer { pending.flushScheduled = false }
            guard writable || pending.closeCode != nil else { return ([WebSocketFrame](), WebSocketErrorCode?.none) }
            defer {
                pending.frames.removeAll()
                pending.bytes = 0
            }
            return (pending.frames, pending.closeCode)
        }
        for frame in frames { channel.write(frame, promise: nil) }
        if !frames.isEmpty { channel.flush() }
        if let closeCode {
            closeContinuation.yield(closeCode)
            closeContinuation.finish()
        }
    }
}

/// Tells the sink when its channel becomes writable again; first in the pipeline, so no handler can swallow the event.
final class WebSocketWritabilityWatch: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any

    private let sink: WebSocketSink

    init(sink: WebSocketSink) {
        self.sink = sink
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { sink.channelBecameWritable() }
        context.fireChannelWritabilityChanged()
    }
}
