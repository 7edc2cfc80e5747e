import GRDB

/// The SQL for the `gateway_events` table. Versions are bumped by triggers.
extension SQLiteConfigTransaction {
    func events(gatewayId: Int64) throws -> [EventRecord] {
        try EventRecord.fetchAll(
            db,
            sql: "SELECT * FROM gateway_events WHERE gateway_id = ? ORDER BY event_name",
            arguments: [gatewayId]
        )
    }

    func eventsByGateway() throws -> [Int64: [EventRecord]] {
        let events = try EventRecord.fetchAll(db, sql: "SELECT * FROM gateway_events ORDER BY gateway_id, event_name")
        return Dictionary(grouping: events, by: \.gatewayId)
    }

    func findEvent(gatewayId: Int64, eventName: String) throws -> EventRecord? {
        try EventRecord.fetchOne(
            db,
            sql: "SELECT * FROM gateway_events WHERE gateway_id = ? AND event_name = ?",
            arguments: [gatewayId, eventName]
        )
    }

    func insertEvent(_ draft: EventDraft, gatewayId: Int64) throws -> EventRecord {
        try db.execute(
            sql: """
                INSERT INTO gateway_events (gateway_id, event_name, enabled, script, timeout_ms, ack_mode, description)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [gatewayId, draft.eventName, draft.enabled, draft.script, draft.timeoutMs, draft.ack, draft.description]
        )
        return try event(gatewayId: gatewayId, eventName: draft.eventName)
    }

    func updateEvent(_ event: EventRecord) throws -> EventRecord {
        try db.execute(
            sql: """
                UPDATE gateway_events
                SET event_name = ?, enabled = ?, script = ?, timeout_ms = ?, ack_mode = ?, description = ?
                WHERE id = ?
                """,
            arguments: [event.eventName, event.enabled, event.script, event.timeoutMs, event.ack, event.description, event.id]
        )
        return try self.event(gatewayId: event.gatewayId, eventName: event.eventName)
    }

    func deleteEvent(id: Int64) throws {
        try db.execute(sql: "DELETE FROM gateway_events WHERE id = ?", arguments: [id])
    }
}
