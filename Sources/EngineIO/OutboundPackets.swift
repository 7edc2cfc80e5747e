import NIOCore
import NIOWebSocket

/// Engine.IO packets encoded once for all their recipients: the packets themselves (what a poll carries) and, for a
/// WebSocket, each one's whole frame (header and payload, see ``ServerWebSocketFrame``) in a `ByteBuffer` that every
/// recipient writes as it is: nothing is framed, copied or allocated per recipient.
public struct OutboundPackets: Sendable {
    struct Frame: Sendable {
        /// The frame for protocol v4 (text frames are the same in v3).
        var v4: ByteBuffer
        /// v3 binary frames start with the packet type byte; nil where v3 sends `v4` too.
        var v3: ByteBuffer?

        func bytes(for version: EngineProtocolVersion) -> ByteBuffer { version == .v3 ? v3 ?? v4 : v4 }
    }

    public let packets: [EnginePacket]
    let frames: [Frame]

    public init(_ packets: [EnginePacket]) {
        self.packets = packets
        frames = packets.map { packet in
            let type = UInt8(ascii: "0") + packet.kind.rawValue
            switch packet.payload {
            case .binary(let bytes):
                return Frame(
                    v4: ServerWebSocketFrame.bytes(.binary, length: bytes.count) { $0.writeBytes(bytes) },
                    v3: ServerWebSocketFrame.bytes(.binary, length: bytes.count + 1) { frame in
                        frame.writeInteger(packet.kind.rawValue)
                        frame.writeBytes(bytes)
                    })
            case .text(let text):
                // The type digit, then the text: one copy, straight into the frame.
                return Frame(v4: ServerWebSocketFrame.bytes(.text, length: 1 + text.utf8.count) { frame in
                    frame.writeInteger(type)
                    frame.writeString(text)
                })
            case nil:
                return Frame(v4: ServerWebSocketFrame.bytes(.text, length: 1) { $0.writeInteger(type) })
            }
        }
    }

    /// The WebSocket frames, as bytes, for a client of `version`.
    func webSocketFrames(for version: EngineProtocolVersion) -> [ByteBuffer] {
        frames.map { $0.bytes(for: version) }
    }
}
