import GRDB

/// A `gateways` row as a record; `hooks` is stored as one JSON object (see `HookScripts`).
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
        origin = row["origin"]
        folderName = row["folder_name"]
        version = row["version"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}
