import GRDB

/// A `gateways` row as a record; `hooks` is stored as one JSON object (see `HookScripts`), `recovery` as three
/// `recovery_*` columns.
extension GatewayRecord: FetchableRecord {
    public init(row: Row) throws {
        id = row["id"]
        path = row["path"]
        enabled = row["enabled"]
        requireAuth = row["require_auth"]
        description = row["description"]
        connectionScript = row["connection_script"]
        disconnectScript = row["disconnect_script"]
        fallbackScript = row["fallback_script"]
        hooks = try HookScripts.decode(row["hooks"])
        connectionTimeoutMs = row["connection_timeout_ms"]
        defaultAck = row["default_ack"]
        recovery = GatewayRecovery(
            enabled: row["recovery_enabled"],
            maxDisconnectionMs: row["recovery_max_disconnection_ms"],
            skipConnectionHandler: row["recovery_skip_connection_handler"])
        origin = row["origin"]
        folderName = row["folder_name"]
        version = row["version"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}
