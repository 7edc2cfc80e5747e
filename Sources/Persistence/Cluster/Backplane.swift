/// What the nodes of a cluster share through their database besides the config and the collections: a message bus,
/// the registry of live nodes, the sessions kept for recovery, and word of config changes. A backend that serves one node only (SQLite) has none.
public protocol Backplane: Sendable {
    var bus: any MessageBus { get }
    var registry: any NodeRegistry { get }
    var recoverySessions: any RecoverySessionTable { get }
    /// Whether the last heartbeat reached the database (true until the first fails).
    var isConnected: Bool { get }
    /// Calls `changed` whenever the config may have changed on any node from the moment this returns, and after the
    /// backplane lost and regained the database (changes may have been missed meanwhile).
    func onConfigChange(_ changed: @escaping @Sendable () -> Void) async throws
    /// Enters this node in the registry at `address` (where it takes requests other nodes forward, `host:port`) and
    /// heartbeats from now on, each with its `sockets()` count: once the node serves there. A first heartbeat that
    /// fails is logged, and retried.
    func join(address: String, sockets: @escaping @Sendable () -> Int) async
    /// Takes the node out of the registry at once, stops heartbeating and listening, and closes its connections.
    func close() async
}
