import JSONCore

/// Engine.IO's HTTP long-polling payloads: several packets in one request or response body.
///
/// Version 4 separates packets with the record separator `\u{1e}` and writes binary as `b<base64>`.
/// Version 3 prefixes each packet with its length, in one of two framings: text (`<len>:<packet>`, the
/// length counted in UTF-16 code units as JavaScript counts it) or binary (`<0|1><digits…>\xff<bytes>`,
/// the length in bytes), which socket.io 2.x browsers and python-engineio 3.x use by default.
public enum EnginePayloadCodec {
    static let recordSeparator: UInt8 = 0x1E

    /// A response body and the content type it must be served with.
    public struct EncodedBody: Sendable {
        public var bytes: [UInt8]
        public var contentType: String
    }

    // MARK: Decoding

    public static func decode(_ body: [UInt8], version: EngineProtocolVersion) throws(EngineDecodingError) -> [EnginePacket] {
        switch version {
        case .v4: return try decodeV4(body)
        case .v3:
            guard let first = body.first else { return [] }
            return first <= 1 ? try decodeV3Binary(body) : try decodeV3Text(body)
        }
    }

    private static func decodeV4(_ body: [UInt8]) throws(EngineDecodingError) -> [EnginePacket] {
        var packets: [EnginePacket] = []
        for part in body.split(separator: recordSeparator, omittingEmptySubsequences: false) {
            packets.append(try decodeTextPacket(part, binaryHasTypeDigit: false))
        }
        return packets
    }

    /// One text-encoded packet. Binary is `b<base64>` (always a message) in v4 and `b<type><base64>` in v3.
    private static func decodeTextPacket(_ bytes: ArraySlice<UInt8>, binaryHasTypeDigit: Bool) throws(EngineDecodingError) -> EnginePacket {
        guard let first = bytes.first else { throw .invalidPacketType }
        if first == UInt8(ascii: "b") {
            var rest = bytes.dropFirst()
            var kind = EnginePacket.Kind.message
            if binaryHasTypeDigit {
                guard let digit = rest.first, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "6"),
                      let parsed = EnginePacket.Kind(rawValue: digit - UInt8(ascii: "0"))
                else { throw .invalidPacketType }
                kind = parsed
                rest = rest.dropFirst()
            }
            guard let data = Base64.decode(rest) else { throw .invalidBase64 }
            return EnginePacket(kind, .binary(data))
        }
        return try EnginePacket(textFrame: Substring(decoding: bytes, as: UTF8.self))
    }

    private static func decodeV3Text(_ body: [UInt8]) throws(EngineDecodingError) -> [EnginePacket] {
        // Lengths count UTF-16 code units, so walk the text as UTF-16.
        let text = String(decoding: body, as: UTF8.self)
        let units = Array(text.utf16)
        var packets: [EnginePacket] = []
        var index = 0
        while index < units.count {
            var length = 0
            var sawDigit = false
            while index < units.count, units[index] != UInt16(UInt8(ascii: ":")) {
                let unit = units[index]
                guard unit >= 0x30, unit <= 0x39, length < 100_000_000 else { throw .invalidPayloadFraming }
                length = length * 10 + Int(unit - 0x30)
                sawDigit = true
                index += 1
            }
            guard sawDigit, index < units.count, index + 1 + length <= units.count, length > 0 else {
                throw .invalidPayloadFraming
            }
            let packetUnits = units[(index + 1)..<(index + 1 + length)]
            let packetText = String(decoding: packetUnits, as: UTF16.self)
            packets.append(try decodeTextPacket(ArraySlice(packetText.utf8), binaryHasTypeDigit: true))
            index += 1 + length
        }
        return packets
    }

    private static func decodeV3Binary(_ body: [UInt8]) throws(EngineDecodingError) -> [EnginePacket] {
        var packets: [EnginePacket] = []
        var index = 0
        while index < body.count {
            let isBinary = body[index] == 1
            guard body[index] <= 1 else { throw .invalidPayloadFraming }
            index += 1
            var length = 0
            var digits = 0
            while index < body.count, body[index] != 0xFF {
                guard body[index] <= 9, digits < 10 else { throw .invalidPayloadFraming }
                length = length * 10 + Int(body[index])
                digits += 1
                index += 1
            }
            guard digits > 0, index < body.count, index + 1 + length <= body.count, length > 0 else {
                throw .invalidPayloadFraming
            }
            let packetBytes = body[(index + 1)..<(index + 1 + length)]
            if isBinary {
                guard let kind = EnginePacket.Kind(rawValue: packetBytes.first!) else { throw .invalidPacketType }
                packets.append(EnginePacket(kind, .binary(Array(packetBytes.dropFirst()))))
            } else {
                packets.append(try decodeTextPacket(packetBytes, binaryHasTypeDigit: true))
            }
            index += 1 + length
        }
        return packets
    }

    // MARK: Encoding

    /// Encodes packets for a polling response. `forceBase64` is the v3 client's `b64=1` query flag.
    public static func encode(_ packets: [EnginePacket], version: EngineProtocolVersion, forceBase64: Bool = false) -> EncodedBody {
        switch version {
        case .v4:
            var bytes: [UInt8] = []
            for (index, packet) in packets.enumerated() {
                if index > 0 { bytes.append(recordSeparator) }
                appendText(of: packet, typeDigitForBinary: false, to: &bytes)
            }
            return EncodedBody(bytes: bytes, contentType: "text/plain; charset=UTF-8")
        case .v3:
            // Text framing counts UTF-16 units (JavaScript) where python-engineio counts code points;
            // they agree on ASCII. Anything else goes in binary framing, whose lengths are bytes for all.
            let asciiText = packets.allSatisfy { packet in
                if case .text(let text) = packet.payload { return text.utf8.allSatisfy { $0 < 0x80 } }
                return packet.payload == nil
            }
            if forceBase64 || asciiText {
                var bytes: [UInt8] = []
                for packet in packets {
                    var encoded: [UInt8] = []
                    appendText(of: packet, typeDigitForBinary: true, to: &encoded)
                    let length = String(decoding: encoded, as: UTF8.self).utf16.count
                    bytes.append(contentsOf: String(length).utf8)
                    bytes.append(UInt8(ascii: ":"))
                    bytes.append(contentsOf: encoded)
                }
                return EncodedBody(bytes: bytes, contentType: "text/plain; charset=UTF-8")
            }
            var bytes: [UInt8] = []
            for packet in packets {
                var encoded: [UInt8]
                if case .binary(let data) = packet.payload {
                    bytes.append(1)
                    encoded = [packet.kind.rawValue] + data
                } else {
                    bytes.append(0)
                    encoded = Array(packet.textFrame.utf8)
                }
                bytes.append(contentsOf: String(encoded.count).utf8.map { $0 - UInt8(ascii: "0") })
                bytes.append(0xFF)
                bytes.append(contentsOf: encoded)
            }
            return EncodedBody(bytes: bytes, contentType: "application/octet-stream")
        }
    }

    private static func appendText(of packet: EnginePacket, typeDigitForBinary: Bool, to bytes: inout [UInt8]) {
        switch packet.payload {
        case .binary(let data):
            bytes.append(UInt8(ascii: "b"))
            if typeDigitForBinary { bytes.append(UInt8(ascii: "0") + packet.kind.rawValue) }
            bytes.append(contentsOf: Base64.encode(data).utf8)
        case .text(let text):
            bytes.append(UInt8(ascii: "0") + packet.kind.rawValue)
            bytes.append(contentsOf: text.utf8)
        case nil:
            bytes.append(UInt8(ascii: "0") + packet.kind.rawValue)
        }
    }
}
