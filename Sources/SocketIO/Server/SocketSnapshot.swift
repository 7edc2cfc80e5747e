import JSONCore

/// A socket of any node as ``Adapter/fetchSockets(_:)`` found it (socket.io's `RemoteSocket`, without its methods):
/// what it was when asked. To act on it, address its id: `namespace.to(snapshot.id).disconnectSockets()` reaches it
/// wherever it is.
public struct SocketSnapshot: Sendable, Equatable {
    public var id: String
    public var handshake: Handshake
    /// Its rooms, its own id room included.
    public var rooms: Set<String>
    /// ``Socket/data``.
    public var data: JSONValue
    /// ``Socket/transport`` (`polling`, `websocket`); empty from a node that does not say.
    public var transport: String

    public init(id: String, handshake: Handshake, rooms: Set<String>, data: JSONValue, transport: String = "") {
        self.id = id
        self.handshake = handshake
        self.rooms = rooms
        self.data = data
        self.transport = transport
    }
}
