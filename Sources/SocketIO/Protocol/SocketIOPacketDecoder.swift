import EngineIO
import JSONCore

/// Decodes the Socket.IO packets of one connection, reassembling binary packets from their attachments.
///
/// Stateful: a binary packet's header announces how many binary Engine.IO messages follow, and the
/// packet is complete only when they have all arrived. Owned by one connection, used serially.
public struct SocketIOPacketDecoder: Sendable {
    private var pending: (packet: SocketIOPacket, expected: Int, attachments: [[UInt8]])?
    /// Upper bound on attachments announced by one packet, so a header cannot make us wait forever
    /// or allocate without limit.
    public var maxAttachments: Int

    public init(maxAttachments: Int = 64) {
        self.maxAttachments = maxAttachments
    }

    /// Feeds one text message; returns the packet when it is complete (non-binary packets always are).
    public mutating func receive(text: String) throws(SocketIODecodingError) -> SocketIOPacket? {
        guard pending == nil else { throw .unexpectedText }
        let (packet, attachmentCount) = try Self.decodeHeader(text, maxAttachments: maxAttachments)
        if attachmentCount == 0 {
            return packet.kind == .binaryEvent || packet.kind == .binaryAck
                ? try Self.reconstruct(packet, attachments: [])
                : packet
        }
        pending = (packet, attachmentCount, [])
        return nil
    }

    /// Feeds one binary message (an attachment of the pending binary packet).
    public mutating func receive(binary: [UInt8]) throws(SocketIODecodingError) -> SocketIOPacket? {
        guard var current = pending else { throw .unexpectedBinary }
        current.attachments.append(binary)
        if current.attachments.count < current.expected {
            pending = current
            return nil
        }
        pending = nil
        return try Self.reconstruct(current.packet, attachments: current.attachments)
    }

    // MARK: Parsing

    static func decodeHeader(_ text: String, maxAttachments: Int) throws(SocketIODecodingError) -> (SocketIOPacket, Int) {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first >= UInt8(ascii: "0"),
              let kind = SocketIOPacket.Kind(rawValue: first &- UInt8(ascii: "0"))
        else { throw .unknownPacketType }
        var index = 1
        var attachments = 0
        if kind == .binaryEvent || kind == .binaryAck {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "-") {
                guard isDigit(bytes[index]), index - start < 6 else { throw .illegalAttachments }
                index += 1
            }
            guard index > start, index < bytes.count else { throw .illegalAttachments }
            attachments = Int(String(decoding: bytes[start..<index], as: UTF8.self)) ?? -1
            guard attachments >= 0, attachments <= maxAttachments else { throw .illegalAttachments }
            index += 1
        }
        var namespace = "/"
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            namespace = String(decoding: bytes[start..<index], as: UTF8.self)
            if index < bytes.count { index += 1 }  // the comma
        }
        var ackId: Int?
        if index < bytes.count, isDigit(bytes[index]) {
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index - start <= 15 else { throw .invalidAckId }
            ackId = Int(String(decoding: bytes[start..<index], as: UTF8.self))
        }
        var data: JSONValue?
        if index < bytes.count {
            do {
                data = try JSONValue(parsing: bytes[index...])
            } catch {
                throw .invalidPayload
            }
        }
        let packet = SocketIOPacket(kind, namespace: namespace, data: data, ackId: ackId)
        guard isPayloadValid(packet) else { throw .invalidPayload }
        return (packet, attachments)
    }

    /// The reference parser's validity rules for a payload of each packet type.
    static func isPayloadValid(_ packet: SocketIOPacket) -> Bool {
        switch packet.kind {
        case .connect:
            guard let data = packet.data else { return true }
            return data.objectValue != nil
        case .disconnect:
            return packet.data == nil
        case .connectError:
            guard let data = packet.data else { return false }
            return data.stringValue != nil || data.objectValue != nil
        case .event, .binaryEvent:
            guard let items = packet.data?.arrayValue, let first = items.first else { return false }
            if case .int = first { return true }
            guard let name = first.stringValue else { return false }
            return !reservedEventNames.contains(name)
        case .ack, .binaryAck:
            return packet.data?.arrayValue != nil
        }
    }

    /// Event names a client may not emit: they are the server-side lifecycle events.
    public static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Puts attachments back where their placeholders stand.
    static func reconstruct(_ packet: SocketIOPacket, attachments: [[UInt8]]) throws(SocketIODecodingError) -> SocketIOPacket {
        var result = packet
        result.kind = packet.kind == .binaryEvent ? .event : .ack
        if let data = packet.data {
            result.data = try replacePlaceholders(in: data, attachments: attachments)
        }
        return result
    }

    /// Puts attachments back in place of their placeholders anywhere in `value` (cluster messages too).
    static func replacePlaceholders(in value: JSONValue, attachments: [[UInt8]]) throws(SocketIODecodingError) -> JSONValue {
        switch value {
        case .object(let members):
            if members["_placeholder"] == .bool(true), members.count == 2, let number = members["num"]?.intValue {
                guard number >= 0, number < attachments.count else { throw .illegalAttachments }
                return .binary(attachments[number])
            }
            var replaced: [String: JSONValue] = [:]
            for (key, member) in members { replaced[key] = try replacePlaceholders(in: member, attachments: attachments) }
            return .object(replaced)
        case .array(let items):
            var replaced: [JSONValue] = []
            replaced.reserveCapacity(items.count)
            for item in items { replaced.append(try replacePlaceholders(in: item, attachments: attachments)) }
            return .array(replaced)
        default:
            return value
        }
    }
}
