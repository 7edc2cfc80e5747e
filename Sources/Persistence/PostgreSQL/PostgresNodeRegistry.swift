import PostgresNIO
import Synchronization

/// The registry of live nodes in `cluster_nodes`: ``beat()`` writes this node's row, deletes the rows of nodes silent
/// for longer than the expiry and reads the others into memory, which answers every lookup. Expiry is judged by the
/// database server's clock alone.
///
/// A node that joins or leaves says so on `<prefix>#registry`, and every node then reads the table again
/// (``refresh()``), so that nobody waits for the next heartbeat to forward requests to a new node.
final class PostgresNodeRegistry: NodeRegistry {
    private let node: String
    private let expiry: Duration
    private let channels: PostgresChannels
    private let view = Mutex<[String: ClusterNode]>([:])
    /// Whether the next beat is the first: it sets `started_at` (a node restarted under the same id starts anew).
    private let starting = Atomic<Bool>(true)
    /// Where the node takes forwarded requests, and its socket count: known once it serves.
    private let serving = Mutex<(address: String, sockets: @Sendable () -> Int)?>(nil)
    /// Held from a read of the table to the install of what it read: a refresh that read before this node's own beat
    /// committed must not install its older view after that beat's.
    private let reading = Mutex<Void>(())

    init(node: String, expiry: Duration, channels: PostgresChannels) {
        self.node = node
        self.expiry = expiry
        self.channels = channels
    }

    /// Sets what the heartbeats write, before the first.
    func serve(at address: String, sockets: @escaping @Sendable () -> Int) {
        serving.withLock { $0 = (address, sockets) }
    }

    var nodes: [ClusterNode] { view.withLock { $0.values.sorted { $0.id < $1.id } } }

    func node(_ id: String) -> ClusterNode? { view.withLock { $0[id] } }

    private var expiryMilliseconds: Int64 { Int64(expiry / .milliseconds(1)) }

    private static let columns = """
        id, address, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), sockets
        """

    /// Writes this node's heartbeat, forgets the nodes that expired and reads the live ones. The first beat also tells
    /// the other nodes to read the table now.
    func beat(_ session: PostgresSession) throws {
        try reading.withLock { _ in
            let first = starting.exchange(false, ordering: .relaxed)
            let rows: [ClusterNode]
            do {
                rows = try beat(first: first, on: session)
            } catch {
                if first { starting.store(true, ordering: .relaxed) }
                throw error
            }
            install(rows)
        }
    }

    private func beat(first: Bool, on session: PostgresSession) throws -> [ClusterNode] {
        guard let (address, sockets) = serving.withLock({ $0 }) else { preconditionFailure("a node beats once it serves") }
        return try session.transaction(deadline: nil) {
            try session.query("""
                INSERT INTO cluster_nodes (id, address, started_at, heartbeat_at, sockets)
                VALUES (\(node), \(address), now(), now(), \(sockets()))
                ON CONFLICT (id) DO UPDATE SET address = excluded.address, heartbeat_at = now(), sockets = excluded.sockets,
                    started_at = CASE WHEN \(first) THEN now() ELSE cluster_nodes.started_at END
                """)
            try session.query(
                "DELETE FROM cluster_nodes WHERE heartbeat_at < now() - \(expiryMilliseconds) * interval '1 millisecond'")
            if first { try session.query("SELECT pg_notify(\(channels.registry), \(node))") }
            return try readLive(session)
        }
    }

    /// Reads the live nodes again.
    func refresh(_ session: PostgresSession) throws {
        try reading.withLock { _ in install(try readLive(session)) }
    }

    /// Deletes this node's row and tells the others.
    func leave(_ session: PostgresSession) throws {
        try session.transaction(deadline: nil) {
            try session.query("DELETE FROM cluster_nodes WHERE id = \(node)")
            try session.query("SELECT pg_notify(\(channels.registry), \(node))")
        }
        view.withLock { $0 = [:] }
    }

    private func readLive(_ session: PostgresSession) throws -> [ClusterNode] {
        try session.query(PostgresQuery(unsafeSQL: """
            SELECT \(Self.columns) FROM cluster_nodes
            WHERE heartbeat_at >= now() - \(expiryMilliseconds) * interval '1 millisecond'
            """)).rows.map { row in
            let (id, address, startedAt, lastHeartbeat, sockets) = try row.decode((String, String, String, String, Int32).self)
            return ClusterNode(id: id, address: address, startedAt: startedAt, lastHeartbeat: lastHeartbeat, sockets: Int(sockets))
        }
    }

    private func install(_ nodes: [ClusterNode]) {
        view.withLock { view in view = Dictionary(nodes.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }) }
    }
}
