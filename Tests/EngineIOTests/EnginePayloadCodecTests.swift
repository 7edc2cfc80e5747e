@testable import EngineIO
import Testing

@Suite struct EnginePayloadCodecTests {
    @Test func v4SeparatesPacketsWithRecordSeparator() throws {
        let packets: [EnginePacket] = [.message("hello"), .message([1, 2, 3, 4]), EnginePacket(.ping)]
        let encoded = EnginePayloadCodec.encode(packets, version: .v4)
        #expect(String(decoding: encoded.bytes, as: UTF8.self) == "4hello\u{1e}bAQIDBA==\u{1e}2")
        #expect(try EnginePayloadCodec.decode(encoded.bytes, version: .v4) == packets)
    }

    @Test func v3TextFramingCountsUTF16Units() throws {
        // "é😀" is 3 UTF-16 units: the way socket.io 2.x browsers count.
        let body = Array("4:4é😀2:40".utf8)
        #expect(try EnginePayloadCodec.decode(body, version: .v3) == [.message("é😀"), .message("0")])
    }

    @Test func v3AsciiGoesOutAsTextFraming() {
        let encoded = EnginePayloadCodec.encode([EnginePacket(.open, .text("{}")), .message("0")], version: .v3)
        #expect(String(decoding: encoded.bytes, as: UTF8.self) == "3:0{}2:40")
        #expect(encoded.contentType.hasPrefix("text/plain"))
    }

    @Test func v3NonAsciiAndBinaryGoOutAsBinaryFramingAndRoundTrip() throws {
        let packets: [EnginePacket] = [.message("é"), .message([9, 8, 7])]
        let encoded = EnginePayloadCodec.encode(packets, version: .v3)
        #expect(encoded.contentType == "application/octet-stream")
        #expect(encoded.bytes == [0, 3, 0xFF] + Array("4é".utf8) + [1, 4, 0xFF, 4, 9, 8, 7])
        #expect(try EnginePayloadCodec.decode(encoded.bytes, version: .v3) == packets)
    }

    @Test func v3Base64WhenTheClientAsks() throws {
        let encoded = EnginePayloadCodec.encode([.message([1, 2, 3, 4])], version: .v3, forceBase64: true)
        #expect(String(decoding: encoded.bytes, as: UTF8.self) == "10:b4AQIDBA==")
        #expect(try EnginePayloadCodec.decode(encoded.bytes, version: .v3) == [.message([1, 2, 3, 4])])
    }

    @Test(arguments: [
        ("abc", EngineProtocolVersion.v4), ("4a\u{1e}", .v4), ("bAQ!D", .v4), ("9", .v4),
        ("5:4ab", .v3), ("x:4", .v3), ("2:", .v3), ("0:", .v3),
    ])
    func refusesMalformedPayloads(_ body: String, _ version: EngineProtocolVersion) {
        #expect(throws: EngineDecodingError.self) { try EnginePayloadCodec.decode(Array(body.utf8), version: version) }
    }

    @Test func refusesTruncatedBinaryFraming() {
        #expect(throws: EngineDecodingError.self) { try EnginePayloadCodec.decode([0, 5, 0xFF, 0x34], version: .v3) }
        #expect(throws: EngineDecodingError.self) { try EnginePayloadCodec.decode([1, 1], version: .v3) }
    }
}
