import JSONCore

/// The one outbound path of a namespace, and its room membership: socket.io's adapter.
///
/// Every packet the server emits to sockets — a socket's own `emit` included, acks aside — is handed to its namespace's
/// adapter, so a cluster adapter (``ClusterAdapter``: other nodes, over PostgreSQL or anything else) or
/// connection-state recovery (an offset stamped on each packet) plugs in here without touching sockets or the gateways
/// above. ``InMemoryAdapter`` serves one process.
///
/// Membership calls, ``broadcast(_:options:)`` and the `…Sockets` actions are synchronous: they act on this node now,
/// and a cluster adapter forwards to other nodes in the background. What needs an answer from every node is `async`.
/// The ``BroadcastFlags/local`` flag keeps any of them to this node.
public protocol Adapter: AnyObject, Sendable {
    /// Called once, when the namespace this adapter serves exists (socket.io's `init`): a cluster adapter starts
    /// listening and announces itself here.
    func start(for namespace: Namespace)
    /// The namespace is gone from this node (socket.io's `close`): a cluster adapter tells the other nodes.
    func close()

    /// Puts a connected socket in `rooms`. The namespace registers each socket with the room named by its id before
    /// anything else; a socket that was removed with ``delAll(_:)`` is not put back.
    func addAll(_ socket: Socket, rooms: Set<String>)
    /// Takes the socket out of `room`.
    func del(_ socket: Socket, room: String)
    /// Takes the socket out of every room; it leaves the namespace.
    func delAll(_ socket: Socket)
    /// The rooms a socket of this node is in (its own id room included).
    func socketRooms(_ id: String) -> Set<String>

    /// Puts every socket `options` selects, on every node, in `rooms` (socket.io's `socketsJoin`).
    func addSockets(_ options: BroadcastOptions, rooms: Set<String>)
    /// Takes every socket `options` selects, on every node, out of `rooms` (socket.io's `socketsLeave`).
    func delSockets(_ options: BroadcastOptions, rooms: Set<String>)
    /// Disconnects every socket `options` selects, on every node, as ``Socket/disconnect(close:)`` does.
    func disconnectSockets(_ options: BroadcastOptions, close: Bool)

    /// Sends `packet` to every socket `options` selects, on every node; returns how many it reached on this one
    /// (volatile: how many were selected).
    @discardableResult
    func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) -> Int
    /// Like ``broadcast(_:options:)``, and counts the recipients on every node.
    func broadcastCounting(_ packet: SocketIOPacket, options: BroadcastOptions) async -> Int

    /// The ids of the sockets `options` selects, on every node.
    func sockets(_ options: BroadcastOptions) async throws -> Set<String>
    /// How many sockets are in `room`, on every node.
    func roomSize(_ room: String) async -> Int
    /// How many sockets are in `room` on this node: what a synchronous caller (a Lua handler) can know at once.
    func localRoomSize(_ room: String) -> Int
    /// The sockets `options` selects, on every node, as they are now; act on them through a ``BroadcastOperator`` to
    /// their ids.
    func fetchSockets(_ options: BroadcastOptions) async throws -> [SocketSnapshot]

    /// Sends `event` to this namespace on every other node, to the servers rather than to sockets (socket.io's
    /// `serverSideEmit`): each node hears it through ``Namespace/onServerSideEmit(_:)``, this one does not.
    func serverSideEmit(_ event: String, args: [JSONValue])
    /// Like ``serverSideEmit(_:args:)``, and collects every other node's answer: those that came within `timeout`.
    func serverSideEmitWithAck(_ event: String, args: [JSONValue], timeout: Duration) async -> [[JSONValue]]

    /// A client came back to recover the session `pid` and this node does not keep it: asks every other node to let
    /// go of a socket still connected under it (its connection died unseen), keeping its session for the recovery
    /// (``Namespace/releaseStale(_:)``); whether one did.
    func releaseSession(pid: String) async -> Bool
    /// What the other nodes' packet logs of the namespace hold (one snapshot each), for this node as it starts.
    func recoveryLogs() async -> [RecoveryLogSnapshot]
}
