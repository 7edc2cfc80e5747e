import NIOWebSocket

/// The sending half of one WebSocket: frames queued from any thread, written in order by the
/// connection's writer task.
///
/// `WebSocketOutboundWriter` is async and must not be used concurrently; a stream gives every sender
/// a synchronous, ordered `send` and keeps the socket's single writer the only one touching it.
final class WebSocketSink: Sendable {
    enum Frame: Sendable {
        case text(String)
        case binary([UInt8])
        case close(WebSocketErrorCode)
    }

    let frames: AsyncStream<Frame>
    private let continuation: AsyncStream<Frame>.Continuation

    init() {
        (frames, continuation) = AsyncStream.makeStream(of: Frame.self)
    }

    /// Queues packets in Engine.IO's WebSocket framing for `version`.
    func send(_ packets: [EnginePacket], version: EngineProtocolVersion) {
        for packet in packets {
            switch packet.payload {
            case .binary(let bytes):
                // v3 prefixes binary frames with the packet type byte; v4 sends the bare data.
                continuation.yield(.binary(version == .v3 ? [packet.kind.rawValue] + bytes : bytes))
            default:
                continuation.yield(.text(packet.textFrame))
            }
        }
    }

    func close(_ code: WebSocketErrorCode = .normalClosure) {
        continuation.yield(.close(code))
        continuation.finish()
    }
}
