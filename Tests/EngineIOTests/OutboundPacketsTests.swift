import NIOCore
import NIOWebSocket
@testable import EngineIO
import Testing

@Suite struct OutboundPacketsTests {
    private func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func framesCarryEngineIOsWebSocketFraming() {
        let outbound = OutboundPackets([.message("2[\"hi\"]"), .message([1, 2, 3]), EnginePacket(.ping)])
        let v4 = outbound.webSocketFrames(for: .v4)
        #expect(v4.map(\.opcode) == [.text, .binary, .text])
        #expect(v4.map { Array($0.data.readableBytesView) } == [Array("42[\"hi\"]".utf8), [1, 2, 3], Array("2".utf8)])
        let v3 = outbound.webSocketFrames(for: .v3)
        // v3 binary frames start with the message type byte; text frames are the same as v4's.
        #expect(v3.map { Array($0.data.readableBytesView) } == [Array("42[\"hi\"]".utf8), [4, 1, 2, 3], Array("2".utf8)])
        #expect(v3.allSatisfy(\.fin) && v4.allSatisfy(\.fin))
    }

    @Test func everyRecipientSharesTheSamePayloadBytes() {
        let outbound = OutboundPackets([.message(String(repeating: "x", count: 10_000))])
        let first = outbound.webSocketFrames(for: .v4)[0].data
        let second = outbound.webSocketFrames(for: .v4)[0].data
        #expect(address(first) != nil && address(first) == address(second), "encoded once, not once per recipient")
        // No room in front: NIO's encoder writes the header separately instead of into (and so copying) the payload.
        #expect(first.readerIndex == 0)
    }
}
