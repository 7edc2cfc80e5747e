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

    @Test func aMessageGoesStraightIntoItsFrameAndAttachmentsFollow() throws {
        let outbound = OutboundPackets(message: Array("51-[\"up\"]".utf8), attachments: [[7, 8]])
        let v4 = try outbound.webSocketFrames(for: .v4).map { try parsedServerFrame($0) }
        #expect(v4.map(\.opcode) == [.text, .binary])
        #expect(v4.map { Array($0.data.readableBytesView) } == [Array("451-[\"up\"]".utf8), [7, 8]])
        let v3 = try outbound.webSocketFrames(for: .v3).map { try parsedServerFrame($0) }
        #expect(v3.map { Array($0.data.readableBytesView) } == [Array("451-[\"up\"]".utf8), [4, 7, 8]])
        #expect(outbound.packets == [.message("51-[\"up\"]"), .message([7, 8])])
    }

    /// A poll reads its packets back out of the frames, whatever the length's header form (7, 16 or 64 bits).
    @Test func pollsReadThePacketsBackOutOfTheFrames() {
        for length in [1, 124, 125, 126, 65_535, 65_536, 70_000] {
            let text = String(repeating: "é", count: length / 2) + String(repeating: "x", count: length % 2)
            #expect(OutboundPackets(message: Array(text.utf8)).packets == [.message(text)], "length \(length)")
            #expect(OutboundPackets([.message(text)]).packets == [.message(text)], "length \(length)")
        }
        let control = [EnginePacket(.ping), EnginePacket(.pong, .text("probe")), EnginePacket(.noop), .message([]), .message([0, 255])]
        #expect(OutboundPackets(control).packets == control)
    }
}
