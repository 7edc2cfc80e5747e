import GRDB

/// A `gateway_events` row as a record.
extension EventRecord: FetchableRecord {
    public init(row: Row) throws {
        id = row["id"]
        gatewayId = row["gateway_id"]
        eventName = row["event_name"]
        enabled = row["enabled"]
        script = row["script"]
        timeoutMs = row["timeout_ms"]
        ack = row["ack_mode"]
        description = row["description"]
        version = row["version"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}
