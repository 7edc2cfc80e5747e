import Persistence
import SocketIO

/// The cluster's recovery sessions as SocketIO's ``ClusterSessionStore`` asks for them, kept in the backplane's
/// database table (``RecoverySessionTable``).
struct BackplaneSessionTable: SharedSessionTable {
    let table: any RecoverySessionTable

    func keep(_ session: SharedSessionRow, retention: Duration) async throws {
        try await table.keep(namespace: session.namespace, pid: session.pid, disconnection: session.disconnection,
                             state: session.state, connectedOn: session.connectedOn, retention: retention)
    }

    func session(pid: String, in namespace: String) async throws -> SharedSessionRow? {
        try await table.session(pid: pid, in: namespace).map { row in
            SharedSessionRow(namespace: namespace, pid: pid, disconnection: row.disconnection, state: row.state,
                             connectedOn: row.connectedOn)
        }
    }

    func remove(pid: String, disconnection: String, in namespace: String) async throws -> Bool {
        try await table.remove(pid: pid, disconnection: disconnection, in: namespace)
    }
}
