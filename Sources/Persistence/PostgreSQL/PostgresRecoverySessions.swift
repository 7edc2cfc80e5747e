import PostgresNIO

/// The sessions kept for recovery in a cluster, in the `recovery_sessions` table. An expired row can no longer be
/// recovered; the node that kept it removes it as the window ends (``remove(pid:disconnection:in:)`` takes it whatever
/// the clock says, so that the window's end is the node's to tell), and the heartbeats delete those left a minute
/// after they expired (``purgeExpired(on:)``): a node that stopped leaves its sessions behind.
final class PostgresRecoverySessions: RecoverySessionTable {
    private let pool: PostgresConnectionPool

    init(pool: PostgresConnectionPool) {
        self.pool = pool
    }

    func keep(namespace: String, pid: String, disconnection: String, state: String, retention: Duration) async throws {
        let milliseconds = Int64(retention / .milliseconds(1))
        _ = try await pool.offload { connection in
            try connection.query("""
                INSERT INTO recovery_sessions (namespace, pid, disconnection, session, expires_at)
                VALUES (\(namespace), \(pid), \(disconnection), \(state),
                        now() + \(milliseconds) * interval '1 millisecond')
                ON CONFLICT (namespace, pid) DO UPDATE SET disconnection = excluded.disconnection, session = excluded.session,
                    expires_at = excluded.expires_at
                """)
        }
    }

    func session(pid: String, in namespace: String) async throws -> (disconnection: String, state: String)? {
        try await pool.offload { connection in
            try connection.query("""
                SELECT disconnection, session FROM recovery_sessions
                WHERE namespace = \(namespace) AND pid = \(pid) AND expires_at > now()
                """).rows.first.map { row in
                let (disconnection, state) = try row.decode((String, String).self)
                return (disconnection, state)
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
}
