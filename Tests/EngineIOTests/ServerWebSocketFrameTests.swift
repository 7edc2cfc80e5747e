import NIOCore
import NIOWebSocket
import Testing

@testable import EngineIO

/// Reads a server frame's bytes back into a frame, checking the framing on the way.
func parsedServerFrame(_ bytes: ByteBuffer, sourceLocation: SourceLocation = #_sourceLocation) throws -> WebSocketFrame {
    var bytes = bytes
    let header = bytes.readInteger(as: UInt8.self), lengthByte = bytes.readInteger(as: UInt8.self)
    let first = try #require(header, sourceLocation: sourceLocation)
    let second = try #require(lengthByte, sourceLocation: sourceLocation)
    #expect(second & 0x80 == 0, "a server's frames are not masked", sourceLocation: sourceLocation)
    var length: Int? = Int(second & 0x7F)
    if length == 126 { length = bytes.readInteger(as: UInt16.self).map(Int.init) }
    if length == 127 { length = bytes.readInteger(as: UInt64.self).map(Int.init) }
    let payload = bytes.readSlice(length: try #require(length, sourceLocation: sourceLocation))
    #expect(bytes.readableBytes == 0, "one frame, nothing after it", sourceLocation: sourceLocation)
    let opcode = try #require(WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F), sourceLocation: sourceLocation)
    return WebSocketFrame(fin: first & 0x80 != 0, opcode: opcode, data: try #require(payload, sourceLocation: sourceLocation))
}

@Suite struct ServerWebSocketFrameTests {
    /// Each length form of RFC 6455 §5.2, at its edges.
    @Test(arguments: [(0, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10)])
    func headersUseTheShortestLengthForm(length: Int, headerBytes: Int) throws {
        let payload = ByteBuffer(repeating: 0x61, count: length)
        let bytes = ServerWebSocketFrame.bytes(.text, payload: payload)
        #expect(bytes.readableBytes == headerBytes + length)
        let frame = try parsedServerFrame(bytes)
        #expect(frame.fin && frame.opcode == .text && frame.data == payload)
    }

    @Test func payloadWrittenInPlaceMatchesItsLength() throws {
        let bytes = ServerWebSocketFrame.bytes(.connectionClose, length: 2) { $0.write(webSocketErrorCode: .goingAway) }
        var frame = try parsedServerFrame(bytes)
        #expect(frame.opcode == .connectionClose)
        #expect(frame.data.readWebSocketErrorCode() == .goingAway)
    }
}
