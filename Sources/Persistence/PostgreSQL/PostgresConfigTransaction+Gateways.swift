import Foundation
import PostgresNIO

/// The SQL for the `gateways` table. Versions are bumped by triggers.
extension PostgresConfigTransaction {
    static let gatewayColumns = """
        id, path, enabled, require_auth, description, connection_script, disconnect_script, fallback_script, \
        hooks::text, connection_timeout_ms, default_ack, recovery_enabled, recovery_max_disconnection_ms, \
        recovery_skip_connection_handler, origin, folder_name, version, created_at, updated_at
        """

    func gateways() throws -> [GatewayRecord] {
        try session.query("SELECT \(unescaped: Self.gatewayColumns) FROM gateways ORDER BY path").rows.map(GatewayRecord.init)
    }

    func findGateway(id: Int64) throws -> GatewayRecord? {
        try session.query("SELECT \(unescaped: Self.gatewayColumns) FROM gateways WHERE id = \(id)").rows.first.map(GatewayRecord.init)
    }

    func findGateway(path: String) throws -> GatewayRecord? {
        try session.query("SELECT \(unescaped: Self.gatewayColumns) FROM gateways WHERE path = \(path)").rows.first.map(GatewayRecord.init)
    }

    func insertGateway(_ draft: GatewayDraft, origin: GatewayOrigin, folderName: String?) throws -> GatewayRecord {
        try returned("""
            INSERT INTO gateways
                (path, enabled, require_auth, description, connection_script, disconnect_script, fallback_script,
                 hooks, connection_timeout_ms, default_ack, recovery_enabled, recovery_max_disconnection_ms,
                 recovery_skip_connection_handler, origin, folder_name)
            VALUES (\(draft.path), \(draft.enabled), \(draft.requireAuth), \(draft.description), \(draft.connectionScript),
                    \(draft.disconnectScript), \(draft.fallbackScript), \(HookScripts.encode(draft.hooks))::jsonb,
                    \(draft.connectionTimeoutMs), \(draft.defaultAck.rawValue), \(draft.recovery.enabled),
                    \(draft.recovery.maxDisconnectionMs), \(draft.recovery.skipConnectionHandler), \(origin.rawValue),
                    \(folderName))
            RETURNING \(unescaped: Self.gatewayColumns)
            """, GatewayRecord.init)
    }

    func updateGateway(_ gateway: GatewayRecord) throws -> GatewayRecord {
        try returned("""
            UPDATE gateways
            SET path = \(gateway.path), enabled = \(gateway.enabled), require_auth = \(gateway.requireAuth),
                description = \(gateway.description), connection_script = \(gateway.connectionScript),
                disconnect_script = \(gateway.disconnectScript), fallback_script = \(gateway.fallbackScript),
                hooks = \(HookScripts.encode(gateway.hooks))::jsonb, connection_timeout_ms = \(gateway.connectionTimeoutMs),
                default_ack = \(gateway.defaultAck.rawValue), recovery_enabled = \(gateway.recovery.enabled),
                recovery_max_disconnection_ms = \(gateway.recovery.maxDisconnectionMs),
                recovery_skip_connection_handler = \(gateway.recovery.skipConnectionHandler)
            WHERE id = \(gateway.id)
            RETURNING \(unescaped: Self.gatewayColumns)
            """, GatewayRecord.init)
    }

    /// Its events go with it (ON DELETE CASCADE).
    func deleteGateway(id: Int64) throws -> Bool {
        try session.query("DELETE FROM gateways WHERE id = \(id)").metadata.rows ?? 0 > 0
    }
}

extension GatewayRecord {
    /// A row of `PostgresConfigTransaction.gatewayColumns`; `hooks` is one JSON object (see `HookScripts`), `recovery`
    /// three `recovery_*` columns.
    init(_ row: PostgresRow) throws {
        let (id, path, enabled, requireAuth, description, connectionScript, disconnectScript, fallbackScript, hooks,
             connectionTimeoutMs, defaultAck, recoveryEnabled, recoveryMaxDisconnectionMs, recoverySkipConnectionHandler,
             origin, folderName, version, createdAt, updatedAt) = try row.decode(
            (Int64, String, Bool, Bool, String, String?, String?, String?, String, Int, String, Bool, Int, Bool, String, String?,
             Int64, Date, Date).self)
        self.init(
            id: id, path: path, enabled: enabled, requireAuth: requireAuth, description: description,
            connectionScript: connectionScript, disconnectScript: disconnectScript, fallbackScript: fallbackScript,
            hooks: try HookScripts.decode(hooks), connectionTimeoutMs: connectionTimeoutMs,
            defaultAck: try StoredEnum.decode(defaultAck),
            recovery: GatewayRecovery(
                enabled: recoveryEnabled, maxDisconnectionMs: recoveryMaxDisconnectionMs,
                skipConnectionHandler: recoverySkipConnectionHandler),
            origin: try StoredEnum.decode(origin), folderName: folderName,
            version: version, createdAt: createdAt, updatedAt: updatedAt)
    }
}
