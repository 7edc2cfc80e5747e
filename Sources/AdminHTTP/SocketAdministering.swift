import Foundation
import JSONCore

/// A connected socket as the admin API lists it (socket.io's admin UI's columns): on whichever node it is.
public struct AdminSocket: Encodable, Sendable, Equatable {
    public var id: String
    /// The signed-in user's id; nil while anonymous.
    public var user: String?
    /// `polling` or `websocket` (empty from a node that does not say).
    public var transport: String
    /// The rooms it joined (not its own id room, nor the server's own rooms, such as its user's).
    public var rooms: [String]
    /// When its client connected (its handshake), ISO 8601.
    public var connectedAt: String

    public init(id: String, user: String?, transport: String, rooms: [String], connectedAt: String) {
        (self.id, self.user, self.transport, self.rooms, self.connectedAt) = (id, user, transport, rooms, connectedAt)
    }
}

/// What the admin API's socket routes need from the daemon: the live sockets of a gateway, on every node, and
/// disconnecting one. The daemon bridges it to the gateway runtime, which the admin API does not depend on.
public protocol SocketAdministering: Sendable {
    /// The sockets connected to the gateway at `path`, on every node; nil when this node does not serve it.
    func sockets(at path: String) async throws -> [AdminSocket]?
    /// Disconnects the socket `id` of the gateway at `path` (`server namespace disconnect`: its client does not
    /// reconnect on its own), wherever it is; false when there is none.
    func disconnect(socket id: String, at path: String) async throws -> Bool
}
