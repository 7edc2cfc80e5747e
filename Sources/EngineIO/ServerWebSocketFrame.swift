import NIOCore
import NIOWebSocket

/// A WebSocket frame from the server, as the bytes that go on the wire: header and payload in one buffer.
///
/// A server's frames are never masked, so a frame is the same bytes for every recipient: a broadcast is framed once
/// and every connection writes the same buffer (NIO's frame encoder would write a header per recipient instead).
enum ServerWebSocketFrame {
    /// A final frame of `opcode` carrying `payload`'s readable bytes.
    static func bytes(_ opcode: WebSocketOpcode, payload: ByteBuffer) -> ByteBuffer {
        bytes(opcode, length: payload.readableBytes) { $0.writeImmutableBuffer(payload) }
    }

    /// A final frame of `opcode` whose payload is written by `body` after the header; `length` is its size.
    static func bytes(_ opcode: WebSocketOpcode, length: Int, payload body: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.reserveCapacity(10 + length)
        writeHeader(opcode, length: length, into: &frame)
        body(&frame)
        return frame
    }

    /// RFC 6455 §5.2: FIN and the opcode, then the length in 7 bits, or 126 and 16 bits, or 127 and 64 bits; no mask.
    private static func writeHeader(_ opcode: WebSocketOpcode, length: Int, into frame: inout ByteBuffer) {
        frame.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        switch length {
        case ..<126:
            frame.writeInteger(UInt8(length))
        case ...Int(UInt16.max):
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
    }
}

extension ServerWebSocketFrame {
    /// Whether a frame built here is a text frame.
    static func isText(_ frame: ByteBuffer) -> Bool {
        frame.getInteger(at: frame.readerIndex, as: UInt8.self)! & 0x0F == UInt8(webSocketOpcode: .text)
    }

    /// The payload of a frame built here: what follows its header.
    static func payload(of frame: ByteBuffer) -> ByteBuffer {
        let lengthCode = frame.getInteger(at: frame.readerIndex + 1, as: UInt8.self)! & 0x7F
        let header = lengthCode < 126 ? 2 : lengthCode == 126 ? 4 : 10
        return frame.getSlice(at: frame.readerIndex + header, length: frame.readableBytes - header)!
    }
}
