import NIOCore
import NIOWebSocket

/// Engine.IO packets encoded once for all their recipients: each one's whole WebSocket frame (header and payload, see
/// ``ServerWebSocketFrame``) in a `ByteBuffer` that every recipient writes as it is: nothing is framed, copied or
/// allocated per recipient. A poll reads its packets back out of the frames, so a message bound for WebSockets is
/// never also kept as a `String`.
public struct OutboundPackets: Sendable {
    struct Frame: Sendable {
        /// The frame for protocol v4 (text frames are the same in v3).
        var v4: ByteBuffer
        /// v3 binary frames start with the packet type byte; nil where v3 sends `v4` too.
        var v3: ByteBuffer?

        func bytes(for version: EngineProtocolVersion) -> ByteBuffer { version == .v3 ? v3 ?? v4 : v4 }

        /// The packet this frame carries: a text frame is the type digit and the text, a binary frame a message.
        var packet: EnginePacket {
            var payload = ServerWebSocketFrame.payload(of: v4)
            guard ServerWebSocketFrame.isText(v4) else { return .message(Array(payload.readableBytesView)) }
            let kind = EnginePacket.Kind(rawValue: payload.readInteger(as: UInt8.self)! - UInt8(ascii: "0"))!
            return EnginePacket(kind, payload.readableBytes == 0 ? nil : .text(payload.readString(length: payload.readableBytes)!))
        }

        /// A text frame: the type digit, then `length` bytes of text that `body` writes, straight into the frame.
        static func text(_ kind: EnginePacket.Kind, length: Int, _ body: (inout ByteBuffer) -> Void) -> Frame {
            Frame(v4: ServerWebSocketFrame.bytes(.text, length: 1 + length) { frame in
                frame.writeInteger(UInt8(ascii: "0") + kind.rawValue)
                body(&frame)
            })
        }

        static func binaryMessage(_ bytes: [UInt8]) -> Frame {
            Frame(
                v4: ServerWebSocketFrame.bytes(.binary, length: bytes.count) { $0.writeBytes(bytes) },
                v3: ServerWebSocketFrame.bytes(.binary, length: bytes.count + 1) { frame in
                    frame.writeInteger(EnginePacket.Kind.message.rawValue)
                    frame.writeBytes(bytes)
                })
        }
    }

    let frames: [Frame]

    /// Bytes of the packets' WebSocket frames, headers included: what `gatewayd_bytes_total{direction="out"}` counts.
    var frameBytes: Int { frames.reduce(0) { $0 + $1.v4.readableBytes } }

    /// The packets, as a poll sends them.
    public var packets: [EnginePacket] { frames.map(\.packet) }

    public init(_ packets: [EnginePacket]) {
        frames = packets.map { packet in
            switch packet.payload {
            case .binary(let bytes):
                return .binaryMessage(bytes)
            case .text(let text):
                return .text(packet.kind, length: text.utf8.count) { $0.writeString(text) }
            case nil:
                return .text(packet.kind, length: 0) { _ in }
            }
        }
    }

    /// A text message of these UTF-8 bytes, then binary messages (a Socket.IO packet and its attachments): the
    /// bytes go straight into the frame, with no `String` made of them.
    public init(message text: [UInt8], attachments: [[UInt8]] = []) {
        let message = Frame.text(.message, length: text.count) { $0.writeBytes(text) }
        frames = attachments.isEmpty ? [message] : [message] + attachments.map(Frame.binaryMessage)
    }

    /// The WebSocket frames, as bytes, for a client of `version`.
    func webSocketFrames(for version: EngineProtocolVersion) -> [ByteBuffer] {
        frames.map { $0.bytes(for: version) }
    }
}
