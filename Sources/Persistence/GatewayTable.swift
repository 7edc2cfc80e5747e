import GRDB

/// The SQL for the `gateways` table, shared by the store's CRUD and folder sync so both write the same way.
///
/// Callers run these inside a transaction they own; nothing here validates input.
enum GatewayTable {
    static func fetchAll(_ db: Database) throws -> [GatewayRecord] {
        try GatewayRecord.fetchAll(db, sql: "SELECT * FROM gateways ORDER BY path")
    }

    static func fetch(_ db: Database, id: Int64) throws -> GatewayRecord {
        guard let gateway = try GatewayRecord.fetchOne(db, sql: "SELECT * FROM gateways WHERE id = ?", arguments: [id]) else {
            throw ConfigStoreError.gatewayNotFound(id: id)
        }
        return gateway
    }

    static func fetch(_ db: Database, path: String) throws -> GatewayRecord? {
        try GatewayRecord.fetchOne(db, sql: "SELECT * FROM gateways WHERE path = ?", arguments: [path])
    }

    /// Throws `.conflict(field: "path")` when a gateway other than `exceptId` has `path`.
    static func checkPathIsFree(_ db: Database, path: String, exceptId: Int64? = nil) throws {
        if let holder = try fetch(db, path: path), holder.id != exceptId {
            throw ConfigStoreError.conflict(field: "path", message: "gateway \(holder.id) already has path '\(path)'")
        }
    }

    static func insert(_ db: Database, _ draft: GatewayDraft, origin: GatewayOrigin, folderName: String?) throws -> GatewayRecord {
        try db.execute(
            sql: """
                INSERT INTO gateways
                    (path, enabled, require_auth, description, connection_script, disconnect_script, fallback_script,
                     hooks, connection_timeout_ms, default_ack, origin, folder_name)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                draft.path, draft.enabled, draft.requireAuth, draft.description, draft.connectionScript,
                draft.disconnectScript, draft.fallbackScript, HookScripts.encode(draft.hooks), draft.connectionTimeoutMs,
                draft.defaultAck, origin, folderName,
            ]
        )
        return try fetch(db, id: db.lastInsertedRowID)
    }

    /// Writes the editable fields of `gateway` when they differ from `current`, so a no-op keeps its version.
    /// Returns the stored row and whether anything was written.
    static func update(_ db: Database, from current: GatewayRecord, to gateway: GatewayRecord) throws -> (record: GatewayRecord, changed: Bool) {
        guard gateway != current else { return (current, false) }
        try db.execute(
            sql: """
                UPDATE gateways
                SET path = ?, enabled = ?, require_auth = ?, description = ?, connection_script = ?,
                    disconnect_script = ?, fallback_script = ?, hooks = ?, connection_timeout_ms = ?, default_ack = ?
                WHERE id = ?
                """,
            arguments: [
                gateway.path, gateway.enabled, gateway.requireAuth, gateway.description, gateway.connectionScript,
                gateway.disconnectScript, gateway.fallbackScript, HookScripts.encode(gateway.hooks), gateway.connectionTimeoutMs,
                gateway.defaultAck, current.id,
            ]
        )
        return (try fetch(db, id: current.id), true)
    }

    static func delete(_ db: Database, id: Int64) throws {
        try db.execute(sql: "DELETE FROM gateways WHERE id = ?", arguments: [id])
        guard db.changesCount > 0 else { throw ConfigStoreError.gatewayNotFound(id: id) }
    }
}
