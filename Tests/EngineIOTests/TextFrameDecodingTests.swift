import NIOCore
import NIOWebSocket
import Testing

@testable import EngineIO

/// A client's text frame is unmasked straight into its packet's payload.
@Suite struct TextFrameDecodingTests {
    private func frame(_ bytes: [UInt8], mask: WebSocketMaskingKey?) -> WebSocketFrame {
        var data = ByteBuffer(bytes: bytes)
        if let mask { data.webSocketMask(mask) }
        return WebSocketFrame(fin: true, opcode: .text, maskKey: mask, data: data)
    }

    @Test(arguments: [WebSocketMaskingKey([0x12, 0x9A, 0x00, 0xFF]), nil])
    func packetsOfEveryLength(mask: WebSocketMaskingKey?) throws {
        #expect(try EngineWebSocketHandler.decodeTextFrame(frame(Array("4hello, wörld".utf8), mask: mask)) == .message("hello, wörld"))
        #expect(try EngineWebSocketHandler.decodeTextFrame(frame(Array("2".utf8), mask: mask)) == EnginePacket(.ping))
        #expect(try EngineWebSocketHandler.decodeTextFrame(frame(Array("3probe".utf8), mask: mask)) == EnginePacket(.pong, .text("probe")))
    }

    /// The payload is unmasked eight bytes at a time, then byte by byte: every length up to past several words, with
    /// the mask's phase following the frame's first byte.
    @Test func unmasksEveryLengthAcrossWords() throws {
        let mask = WebSocketMaskingKey([0x12, 0x9A, 0x00, 0xFF])
        for length in 0...40 {
            let text = String((0..<length).map { Character(UnicodeScalar(UInt8(0x21 + $0 * 7 % 90))) })
            #expect(try EngineWebSocketHandler.decodeTextFrame(frame(Array(("4" + text).utf8), mask: mask)) == (length == 0 ? EnginePacket(.message) : .message(text)))
        }
    }

    @Test func badTypesAreRefused() {
        let mask = WebSocketMaskingKey([1, 2, 3, 4])
        for bad in ["7x", "/x", "x", ""] {
            #expect(throws: EngineDecodingError.invalidPacketType, "\(bad)") {
                try EngineWebSocketHandler.decodeTextFrame(frame(Array(bad.utf8), mask: mask))
            }
        }
    }

    @Test func invalidUTF8IsRepaired() throws {
        let packet = try EngineWebSocketHandler.decodeTextFrame(frame([UInt8(ascii: "4"), 0x61, 0xFF, 0x62], mask: WebSocketMaskingKey([9, 8, 7, 6])))
        #expect(packet == .message("a\u{FFFD}b"))
    }
}
