import GRDB

/// The SQL for the `gateway_events` table, shared by the store's CRUD and folder sync.
///
/// Callers run these inside a transaction they own; nothing here validates input.
enum EventTable {
    static func fetchAll(_ db: Database, gatewayId: Int64) throws -> [EventRecord] {
        try EventRecord.fetchAll(
            db,
            sql: "SELECT * FROM gateway_events WHERE gateway_id = ? ORDER BY event_name",
            arguments: [gatewayId]
        )
    }

    /// All events of all gateways, grouped by gateway id, each group ordered by event name.
    static func fetchAllByGateway(_ db: Database) throws -> [Int64: [EventRecord]] {
        let events = try EventRecord.fetchAll(db, sql: "SELECT * FROM gateway_events ORDER BY gateway_id, event_name")
        return Dictionary(grouping: events, by: \.gatewayId)
    }

    static func find(_ db: Database, gatewayId: Int64, eventName: String) throws -> EventRecord? {
        try EventRecord.fetchOne(
            db,
            sql: "SELECT * FROM gateway_events WHERE gateway_id = ? AND event_name = ?",
            arguments: [gatewayId, eventName]
        )
    }

    static func fetch(_ db: Database, gatewayId: Int64, eventName: String) throws -> EventRecord {
        guard let event = try find(db, gatewayId: gatewayId, eventName: eventName) else {
            throw ConfigStoreError.eventNotFound(gatewayId: gatewayId, eventName: eventName)
        }
        return event
    }

    static func checkNameIsFree(_ db: Database, gatewayId: Int64, eventName: String) throws {
        if try find(db, gatewayId: gatewayId, eventName: eventName) != nil {
            throw ConfigStoreError.conflict(
                field: "eventName",
                message: "gateway \(gatewayId) already has an event named '\(eventName)'"
            )
        }
    }

    static func insert(_ db: Database, _ draft: EventDraft, gatewayId: Int64) throws -> EventRecord {
        try db.execute(
            sql: """
                INSERT INTO gateway_events (gateway_id, event_name, enabled, script, timeout_ms, ack_mode, description)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [gatewayId, draft.eventName, draft.enabled, draft.script, draft.timeoutMs, draft.ack, draft.description]
        )
        return try fetch(db, gatewayId: gatewayId, eventName: draft.eventName)
    }

    /// Writes the editable fields of `event` when they differ from `current`, so a no-op keeps its version.
    /// Returns the stored row and whether anything was written.
    static func update(_ db: Database, from current: EventRecord, to event: EventRecord) throws -> (record: EventRecord, changed: Bool) {
        guard event != current else { return (current, false) }
        try db.execute(
            sql: """
                UPDATE gateway_events
                SET event_name = ?, enabled = ?, script = ?, timeout_ms = ?, ack_mode = ?, description = ?
                WHERE id = ?
                """,
            arguments: [event.eventName, event.enabled, event.script, event.timeoutMs, event.ack, event.description, current.id]
        )
        return (try fetch(db, gatewayId: current.gatewayId, eventName: event.eventName), true)
    }

    static func delete(_ db: Database, id: Int64) throws {
        try db.execute(sql: "DELETE FROM gateway_events WHERE id = ?", arguments: [id])
    }
}
