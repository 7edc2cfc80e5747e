import NIOCore
import NIOWebSocket

/// Engine.IO packets encoded once for all their recipients: the packets themselves (what a poll carries) and, for a
/// WebSocket, each one's frame payload in a `ByteBuffer` that every recipient's frame shares.
///
/// Nothing is copied per recipient: the buffers have no room in front of their bytes, so NIO's frame encoder writes
/// each header into a small buffer of its own and hands the shared payload to the socket as it is (writing the header
/// in front would copy a buffer others hold).
public struct OutboundPackets: Sendable {
    struct Frame: Sendable {
        var opcode: WebSocketOpcode
        /// The payload for protocol v4 (text frames are the same in v3).
        var payload: ByteBuffer
        /// v3 binary frames start with the packet type byte; nil where v3 sends `payload` too.
        var v3Payload: ByteBuffer?
    }

    public let packets: [EnginePacket]
    let frames: [Frame]

    public init(_ packets: [EnginePacket]) {
        self.packets = packets
        frames = packets.map { packet in
            switch packet.payload {
            case .binary(let bytes):
                var v3 = ByteBuffer()
                v3.reserveCapacity(bytes.count + 1)
                v3.writeInteger(packet.kind.rawValue)
                v3.writeBytes(bytes)
                return Frame(opcode: .binary, payload: ByteBuffer(bytes: bytes), v3Payload: v3)
            case .text(let text):
                // The type digit, then the text: one copy, straight into the frame.
                var frame = ByteBuffer()
                frame.reserveCapacity(1 + text.utf8.count)
                frame.writeInteger(UInt8(ascii: "0") + packet.kind.rawValue)
                frame.writeString(text)
                return Frame(opcode: .text, payload: frame, v3Payload: nil)
            case nil:
                return Frame(opcode: .text, payload: ByteBuffer(integer: UInt8(ascii: "0") + packet.kind.rawValue), v3Payload: nil)
            }
        }
    }

    /// The WebSocket frames for a client of `version`.
    func webSocketFrames(for version: EngineProtocolVersion) -> [WebSocketFrame] {
        frames.map { frame in
            WebSocketFrame(fin: true, opcode: frame.opcode, data: version == .v3 ? frame.v3Payload ?? frame.payload : frame.payload)
        }
    }
}
