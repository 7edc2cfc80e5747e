import NIOCore
import NIOWebSocket
import Synchronization

/// The sending half of one WebSocket: frames queued from any thread, written in order on the connection's event loop.
///
/// Frames go straight to the channel (through its WebSocket frame encoder), and everything queued before the event
/// loop gets to it is written with a single flush: a broadcast or a burst of replies costs one `writev` per
/// connection, not one per frame. Only the close handshake goes through Hummingbird's writer (`closeRequests`).
final class WebSocketSink: Sendable {
    private struct Pending {
        var frames: [WebSocketFrame] = []
        var flushScheduled = false
        var closeCode: WebSocketErrorCode?
    }

    private let channel: any Channel
    private let pending = Mutex(Pending())
    /// Yields the close code once, after every frame queued before `close` has been written.
    let closeRequests: AsyncStream<WebSocketErrorCode>
    private let closeContinuation: AsyncStream<WebSocketErrorCode>.Continuation

    init(channel: any Channel) {
        self.channel = channel
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
        schedule { pending in
            guard pending.closeCode == nil else { return }
            pending.frames.append(contentsOf: frames)
        }
    }

    /// Whether the connection takes writes now (NIO's writability: its outbound buffer is below the high mark).
    var isWritable: Bool { channel.isWritable }

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

    /// On the event loop: writes what is queued, flushes once, then passes on a close request.
    private func flush() {
        let (frames, closeCode) = pending.withLock { pending in
            defer {
                pending.frames.removeAll()
                pending.flushScheduled = false
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
