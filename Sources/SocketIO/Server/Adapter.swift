import JSONCore

/// The one outbound path of a namespace, and its room membership: socket.io's adapter.
///
/// Every packet the server emits to sockets — a socket's own `emit` included, acks aside — is handed to its namespace's
/// adapter, so a cluster adapter (other nodes, over PostgreSQL or anything else) or connection-state recovery (an offset
/// stamped on each packet) plugs in here without touching sockets or the gateways above. ``InMemoryAdapter`` serves one
/// process.
///
/// Membership calls and ``broadcast(_:options:)`` are synchronous: they act on this node now, and a cluster adapter
/// forwards to other nodes in the background. What needs an answer from every node is `async`.
public protocol Adapter: AnyObject, Sendable {
    /// Puts a connected socket in `rooms`. The namespace registers each socket with the room named by its id before
    /// anything else; a socket that was removed with ``delAll(_:)`` is not put back.
    func addAll(_ socket: Socket, rooms: Set<String>)
    /// Takes the socket out of `room`.
    func del(_ socket: Socket, room: String)
    /// Takes the socket out of every room; it leaves the namespace.
    func delAll(_ socket: Socket)
    /// The rooms a socket of this node is in (its own id room included).
    func socketRooms(_ id: String) -> Set<String>

    /// Sends `packet` to every socket `options` selects, on every node; returns how many it reached on this one
    /// (volatile: how many were selected).
    @discardableResult
    func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) -> Int
    /// Like ``broadcast(_:options:)``, and counts the recipients on every node.
    func broadcastCounting(_ packet: SocketIOPacket, options: BroadcastOptions) async -> Int

    /// The ids of the sockets `options` selects, on every node.
    func sockets(_ options: BroadcastOptions) async -> Set<String>
    /// How many sockets are in `room`, on every node.
    func roomSize(_ room: String) async -> Int
    /// How many sockets are in `room` on this node: what a synchronous caller (a Lua handler) can know at once.
    func localRoomSize(_ room: String) -> Int
    /// The sockets of this node that `options` selects, to act on (join, leave, disconnect, emit).
    func fetchSockets(_ options: BroadcastOptions) async -> [Socket]

    /// Sends `event` to this namespace on every other node, to the servers rather than to sockets (socket.io's
    /// `serverSideEmit`): each node hears it through ``Namespace/onServerSideEmit(_:)``, this one does not.
    func serverSideEmit(_ event: String, args: [JSONValue])
    /// Like ``serverSideEmit(_:args:)``, and collects every other node's answer: those that came within `timeout`.
    func serverSideEmitWithAck(_ event: String, args: [JSONValue], timeout: Duration) async -> [[JSONValue]]
}
