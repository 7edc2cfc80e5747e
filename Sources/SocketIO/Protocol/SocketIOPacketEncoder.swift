import EngineIO
import JSONCore

/// A packet ready for Engine.IO: its text (UTF-8) and, for binary packets, the attachments that follow it.
public struct EncodedSocketIOPacket: Sendable, Equatable {
    public var text: [UInt8]
    public var attachments: [[UInt8]]

    /// The Engine.IO messages that carry it, in order, framed for every recipient.
    public var outbound: OutboundPackets { OutboundPackets(message: text, attachments: attachments) }
}

/// Encodes Socket.IO packets: `<type>[<n>-][<nsp>,][<id>][<json>]`, binary values taken out as
/// attachments and replaced by `{"_placeholder":true,"num":i}`.
public enum SocketIOPacketEncoder {
    public static func encode(_ packet: SocketIOPacket) -> EncodedSocketIOPacket {
        var attachments: [[UInt8]] = []
        let data = packet.data.map { extractBinary(from: $0, into: &attachments) }
        var kind = packet.kind
        if !attachments.isEmpty {
            if kind == .event { kind = .binaryEvent }
            if kind == .ack { kind = .binaryAck }
        }
        var bytes: [UInt8] = []
        // Room for most acks and events: the JSON below then grows the array rarely, if at all.
        bytes.reserveCapacity(256)
        bytes.append(UInt8(ascii: "0") + kind.rawValue)
        if kind == .binaryEvent || kind == .binaryAck {
            bytes.append(contentsOf: String(attachments.count).utf8)
            bytes.append(UInt8(ascii: "-"))
        }
        if packet.namespace != "/" {
            bytes.append(contentsOf: packet.namespace.utf8)
            bytes.append(UInt8(ascii: ","))
        }
        if let ackId = packet.ackId {
            bytes.append(contentsOf: String(ackId).utf8)
        }
        data?.write(into: &bytes)
        return EncodedSocketIOPacket(text: bytes, attachments: attachments)
    }

    /// Takes every binary value out of `value` into `attachments`, leaving its placeholder (cluster messages too).
    static func extractBinary(from value: JSONValue, into attachments: inout [[UInt8]]) -> JSONValue {
        switch value {
        case .binary(let bytes):
            attachments.append(bytes)
            return .object(["_placeholder": .bool(true), "num": .int(attachments.count - 1)])
        case .array(let items) where items.contains(where: \.containsBinary):
            return .array(items.map { extractBinary(from: $0, into: &attachments) })
        case .object(let members) where members.values.contains(where: \.containsBinary):
            return .object(members.mapValues { extractBinary(from: $0, into: &attachments) })
        default:
            return value
        }
    }
}
