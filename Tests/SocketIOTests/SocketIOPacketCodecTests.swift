import JSONCore
import EngineIO
@testable import SocketIO
import Testing

@Suite struct SocketIOPacketCodecTests {
    private func decodeAll(_ messages: [EnginePacket.Payload]) throws -> [SocketIOPacket] {
        var decoder = SocketIOPacketDecoder()
        var packets: [SocketIOPacket] = []
        for message in messages {
            switch message {
            case .text(let text): if let packet = try decoder.receive(text: text) { packets.append(packet) }
            case .binary(let bytes): if let packet = try decoder.receive(binary: bytes) { packets.append(packet) }
            }
        }
        return packets
    }

    private func text(of packet: SocketIOPacket) -> String {
        String(decoding: SocketIOPacketEncoder.encode(packet).text, as: UTF8.self)
    }

    @Test func encodesTheReferenceForms() {
        #expect(text(of: SocketIOPacket(.connect, data: ["sid": "abc"])) == #"0{"sid":"abc"}"#)
        #expect(text(of: SocketIOPacket(.connect, namespace: "/admin")) == "0/admin,")
        #expect(text(of: SocketIOPacket(.event, namespace: "/a", data: ["hi", 1], ackId: 12)) == #"2/a,12["hi",1]"#)
        #expect(text(of: SocketIOPacket(.ack, data: [], ackId: 0)) == "30[]")
        #expect(text(of: SocketIOPacket(.disconnect, namespace: "/x")) == "1/x,")
    }

    @Test func decodesEveryField() throws {
        let packet = try decodeAll([.text(#"2/chat,42["message",{"a":1}]"#)])
        #expect(packet == [SocketIOPacket(.event, namespace: "/chat", data: ["message", ["a": 1]], ackId: 42)])
        #expect(try decodeAll([.text("0/custom")]) == [SocketIOPacket(.connect, namespace: "/custom")])
        #expect(try decodeAll([.text("1")]) == [SocketIOPacket(.disconnect)])
    }

    @Test func binaryAttachmentsRoundTrip() throws {
        let original = SocketIOPacket(.event, namespace: "/b", data: ["upload", .binary([1, 2, 3]), ["nested": .binary([4, 5])]], ackId: 7)
        let encoded = SocketIOPacketEncoder.encode(original)
        #expect(String(decoding: encoded.text, as: UTF8.self).hasPrefix("52-/b,7["))
        #expect(encoded.attachments.count == 2)
        let decoded = try decodeAll(encoded.outbound.packets.map { $0.payload! })
        #expect(decoded == [original])
    }

    @Test func binaryAckRoundTrips() throws {
        let original = SocketIOPacket(.ack, data: [.binary([0xFF])], ackId: 3)
        let encoded = SocketIOPacketEncoder.encode(original)
        #expect(String(decoding: encoded.text, as: UTF8.self) == #"61-3[{"_placeholder":true,"num":0}]"#)
        #expect(try decodeAll(encoded.outbound.packets.map { $0.payload! }) == [original])
    }

    @Test func waitsForEveryAttachment() throws {
        var decoder = SocketIOPacketDecoder()
        #expect(try decoder.receive(text: #"52-["x",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]"#) == nil)
        #expect(try decoder.receive(binary: [0]) == nil)
        #expect(try decoder.receive(binary: [1]) == SocketIOPacket(.event, data: ["x", .binary([1]), .binary([0])]))
    }

    @Test(arguments: [
        // Socket.IO text only: the Engine.IO `4` of the wire form `42{}` is already gone here.
        "2{}", "4abc", #"2"not an array""#, "2[]", #"2abc["message-with-ack"]"#, "9", "", "x",
        #"2["connect"]"#, #"2[{}]"#, "1{}", "3", "5-[\"a\"]", "5a-[\"a\"]", "5999-[\"a\"]",
        #"21234567890123456["a"]"#, #"0"str""#, "2[1,]",
    ])
    func refusesMalformedPackets(_ text: String) {
        var decoder = SocketIOPacketDecoder()
        #expect(throws: SocketIODecodingError.self) { _ = try decoder.receive(text: text) }
    }

    @Test func refusesAttachmentsOutOfOrder() throws {
        var decoder = SocketIOPacketDecoder()
        #expect(throws: SocketIODecodingError.unexpectedBinary) { _ = try decoder.receive(binary: [1]) }
        _ = try decoder.receive(text: #"51-["x",{"_placeholder":true,"num":0}]"#)
        #expect(throws: SocketIODecodingError.unexpectedText) { _ = try decoder.receive(text: "2[\"y\"]") }
        var other = SocketIOPacketDecoder()
        _ = try other.receive(text: #"51-["x",{"_placeholder":true,"num":5}]"#)
        #expect(throws: SocketIODecodingError.illegalAttachments) { _ = try other.receive(binary: [1]) }
    }
}
