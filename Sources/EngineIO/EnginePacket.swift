/// One Engine.IO packet: a type and an optional text or binary payload.
///
/// Engine.IO frames Socket.IO's packets and adds its own control packets (handshake, heartbeats, the
/// transport upgrade). The same value is written as a WebSocket frame or inside a polling payload.
public struct EnginePacket: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case open = 0, close, ping, pong, message, upgrade, noop
    }

    public enum Payload: Sendable, Equatable {
        case text(String)
        case binary([UInt8])

        /// Its size in bytes (UTF-8 for text).
        public var byteCount: Int {
            switch self {
            case .text(let text): text.utf8.count
            case .binary(let bytes): bytes.count
            }
        }
    }

    public var kind: Kind
    public var payload: Payload?

    public init(_ kind: Kind, _ payload: Payload? = nil) {
        self.kind = kind
        self.payload = payload
    }

    public static func message(_ text: String) -> EnginePacket { EnginePacket(.message, .text(text)) }
    public static func message(_ bytes: [UInt8]) -> EnginePacket { EnginePacket(.message, .binary(bytes)) }

    /// Bytes of payload, for buffer accounting.
    var payloadBytes: Int { payload?.byteCount ?? 0 }

    public var isBinary: Bool {
        if case .binary = payload { return true }
        return false
    }

    /// The text form: the type digit followed by the text payload. Binary packets have no text form
    /// over WebSocket (they travel as binary frames); see ``EnginePayloadCodec`` for polling.
    public var textFrame: String {
        switch payload {
        case .text(let text): return String(kind.rawValue) + text
        case .binary, nil: return String(kind.rawValue)
        }
    }

    /// Decodes a WebSocket text frame or one packet of a text payload.
    public init(textFrame: Substring) throws(EngineDecodingError) {
        guard let first = textFrame.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "6"),
              let kind = Kind(rawValue: first - UInt8(ascii: "0"))
        else { throw .invalidPacketType }
        self.kind = kind
        let rest = textFrame.dropFirst()
        self.payload = rest.isEmpty ? nil : .text(String(rest))
    }
}

/// Why bytes from a client are not Engine.IO.
public enum EngineDecodingError: Error, Sendable, Equatable {
    case invalidPacketType
    case invalidBase64
    case invalidPayloadFraming
}
