import GRDB

/// The SQL for the `gateways` table. Versions are bumped by triggers.
extension SQLiteConfigTransaction {
    func gateways() throws -> [GatewayRecord] {
        try GatewayRecord.fetchAll(db, sql: "SELECT * FROM gateways ORDER BY path")
    }

    func findGateway(id: Int64) throws -> GatewayRecord? {
        try GatewayRecord.fetchOne(db, sql: "SELECT * FROM gateways WHERE id = ?", arguments: [id])
    }

    func findGateway(path: String) throws -> GatewayRecord? {
        try GatewayRecord.fetchOne(db, sql: "SELECT * FROM gateways WHERE path = ?", arguments: [path])
    }

    func insertGateway(_ draft: GatewayDraft, origin: GatewayOrigin, folderName: String?) throws -> GatewayRecord {
        try db.execute(
            sql: """
                INSERT INTO gateways
                    (path, enabled, require_auth, description, connection_script, disconnect_script, fallback_script,
                     hooks, connection_timeout_ms, default_ack, recovery_enabled, recovery_max_disconnection_ms,
                     recovery_skip_connection_handler, origin, folder_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                draft.path, draft.enabled, draft.requireAuth, draft.description, draft.connectionScript,
                draft.disconnectScript, draft.fallbackScript, HookScripts.encode(draft.hooks), draft.connectionTimeoutMs,
                draft.defaultAck, draft.recovery.enabled, draft.recovery.maxDisconnectionMs,
                draft.recovery.skipConnectionHandler, origin, folderName,
            ]
        )
        return try gateway(id: db.lastInsertedRowID)
    }

    func updateGateway(_ gateway: GatewayRecord) throws -> GatewayRecord {
        try db.execute(
            sql: """
                UPDATE gateways
                SET path = ?, enabled = ?, require_auth = ?, description = ?, connection_script = ?,
                    disconnect_script = ?, fallback_script = ?, hooks = ?, connection_timeout_ms = ?, default_ack = ?,
                    recovery_enabled = ?, recovery_max_disconnection_ms = ?, recovery_skip_connection_handler = ?
                WHERE id = ?
                """,
            arguments: [
                gateway.path, gateway.enabled, gateway.requireAuth, gateway.description, gateway.connectionScript,
                gateway.disconnectScript, gateway.fallbackScript, HookScripts.encode(gateway.hooks), gateway.connectionTimeoutMs,
                gateway.defaultAck, gateway.recovery.enabled, gateway.recovery.maxDisconnectionMs,
                gateway.recovery.skipConnectionHandler, gateway.id,
            ]
        )
        return try self.gateway(id: gateway.id)
    }

    /// Its events go with it (ON DELETE CASCADE).
    func deleteGateway(id: Int64) throws -> Bool {
        try db.execute(sql: "DELETE FROM gateways WHERE id = ?", arguments: [id])
        return db.changesCount > 0
    }
}
