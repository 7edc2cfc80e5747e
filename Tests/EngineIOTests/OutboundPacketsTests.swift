import NIOCore
import NIOWebSocket
@testable import EngineIO
import Testing

@Suite struct OutboundPacketsTests {
    private func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func framesCarryEngineIOsWebSocketFraming() throws {
        let outbound = OutboundPackets([.message("2[\"hi\"]"), .message([1, 2, 3]), EnginePacket(.ping)])
        let v4 = try outbound.webSocketFrames(for: .v4).map { try parsedServerFrame($0) }
        #expect(v4.map(\.opcode) == [.text, .binary, .text])
        #expect(v4.map { Array($0.data.readableBytesView) } == [Array("42[\"hi\"]".utf8), [1, 2, 3], Array("2".utf8)])
        let v3 = try outbound.webSocketFrames(for: .v3).map { try parsedServerFrame($0) }
        // v3 binary frames start with the message type byte; text frames are the same as v4's.
        #expect(v3.map { Array($0.data.readableBytesView) } == [Array("42[\"hi\"]".utf8), [4, 1, 2, 3], Array("2".utf8)])
        #expect(v3.allSatisfy(\.fin) && v4.allSatisfy(\.fin))
    }

    @Test func everyRecipientSharesTheSameFrameBytes() {
        let outbound = OutboundPackets([.message(String(repeating: "x", count: 10_000))])
        let first = outbound.webSocketFrames(for: .v4)[0]
        let second = outbound.webSocketFrames(for: .v4)[0]
        #expect(address(first) != nil && address(first) == address(second), "framed once, not once per recipient")
        #expect(first.readableBytes == 4 + 10_001, "header and payload in the one buffer")
    }
}
