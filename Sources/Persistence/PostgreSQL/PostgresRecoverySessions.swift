import PostgresNIO

/// The sessions kept for recovery in a cluster, in the `recovery_sessions` table. An expired row can no longer be
/// recovered; the node that kept it removes it as the window ends (``remove(pid:disconnection:in:)`` takes it whatever
/// the clock says, so that the window's end is the node's to tell), and the heartbeats delete those left a minute
/// after they expired (``purgeExpired(on:)``): a node that stopped leaves its sessions behind.
///
/// The rows of connected sockets (`node` set) never expire by themselves: the heartbeats turn those of a node that is
/// gone from the registry into kept sessions whose window starts then (``releaseStoppedNodes(on:)``), and a node
/// starting under an id turns that id's rows from its previous run (``release(node:on:)``).
final class PostgresRecoverySessions: RecoverySessionTable {
    private let pool: PostgresConnectionPool

    init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    func keep(namespace: String, pid: String, disconnection: String, state: String, connectedOn node: String?,
              retention: Duration) async throws {
        let milliseconds = Int64(retention / .milliseconds(1))
        _ = try await pool.offload { connection in
            try connection.query("""
                INSERT INTO recovery_sessions (namespace, pid, disconnection, session, node, retention_ms, expires_at)
                VALUES (\(namespace), \(pid), \(disconnection), \(state), \(node), \(milliseconds),
                        CASE WHEN \(node)::text IS NULL THEN now() + \(milliseconds) * interval '1 millisecond'
                             ELSE 'infinity' END)
                ON CONFLICT (namespace, pid) DO UPDATE SET disconnection = excluded.disconnection, session = excluded.session,
                    node = excluded.node, retention_ms = excluded.retention_ms, expires_at = excluded.expires_at
                """)
        }
    }

    func session(pid: String, in namespace: String) async throws -> RecoverySessionRow? {
        try await pool.offload { connection in
            try connection.query("""
                SELECT disconnection, session, node FROM recovery_sessions
                WHERE namespace = \(namespace) AND pid = \(pid) AND expires_at > now()
                """).rows.first.map { row in
                let (disconnection, state, node) = try row.decode((String, String, String?).self)
                return RecoverySessionRow(disconnection: disconnection, state: state, connectedOn: node)
            }
        }
    }

    func remove(pid: String, disconnection: String, in namespace: String) async throws -> Bool {
        try await pool.offload { connection in
            try !connection.query("""
                DELETE FROM recovery_sessions
                WHERE namespace = \(namespace) AND pid = \(pid) AND disconnection = \(disconnection)
                RETURNING 1
                """).rows.isEmpty
        }
    }

    /// Deletes the sessions whose window ended a minute ago or more: their nodes stopped before removing them.
    static func purgeExpired(on connection: PostgresSession) throws {
        try connection.query("DELETE FROM recovery_sessions WHERE expires_at < now() - interval '1 minute'")
    }

    /// Turns the connected sockets of nodes gone from the registry into kept sessions, their windows starting now:
    /// those nodes stopped without writing them (killed, or cut off from the database for longer than the expiry).
    static func releaseStoppedNodes(on connection: PostgresSession) throws {
        try connection.query("""
            UPDATE recovery_sessions SET node = NULL, expires_at = now() + retention_ms * interval '1 millisecond'
            WHERE node IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cluster_nodes WHERE cluster_nodes.id = recovery_sessions.node)
            """)
    }

    /// Turns the connected sockets a previous run of `node` left into kept sessions: before the node serves again.
    func release(node: String) async throws {
        _ = try await pool.offload { connection in
            try connection.query("""
                UPDATE recovery_sessions SET node = NULL, expires_at = now() + retention_ms * interval '1 millisecond'
                WHERE node = \(node)
                """)
        }
    }
}
