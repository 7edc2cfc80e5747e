import EngineIO
import JSONCore

/// One Socket.IO packet, addressed to a namespace.
///
/// The same packet types serve protocol v5 (socket.io 3+) and v4 (socket.io 2.x); the differences are
/// in what a server puts in them (see ``SocketIOProtocolVersion``), not in how they are framed.
public struct SocketIOPacket: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case connect = 0, disconnect, event, ack, connectError, binaryEvent, binaryAck
    }

    public var kind: Kind
    public var namespace: String
    /// The JSON payload with binary attachments in place (as ``JSONValue/binary(_:)``).
    public var data: JSONValue?
    public var ackId: Int?

    public init(_ kind: Kind, namespace: String = "/", data: JSONValue? = nil, ackId: Int? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.data = data
        self.ackId = ackId
    }
}

/// The Socket.IO protocol revision, which follows from the Engine.IO one: EIO=3 clients speak v4.
public enum SocketIOProtocolVersion: Int, Sendable {
    case v4 = 4
    case v5 = 5

    init(engine: EngineProtocolVersion) {
        self = engine == .v3 ? .v4 : .v5
    }
}

/// Why a Socket.IO packet from a client was refused. Any of them closes the connection (reason
/// `parse error`), as the reference server does.
public enum SocketIODecodingError: Error, Sendable, Equatable {
    case unknownPacketType
    case illegalAttachments
    case invalidPayload
    case invalidAckId
    case unexpectedBinary
    case unexpectedText
}
