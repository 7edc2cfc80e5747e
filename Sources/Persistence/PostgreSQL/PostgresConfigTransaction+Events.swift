import Foundation
import PostgresNIO

/// The SQL for the `gateway_events` table. Versions are bumped by triggers.
extension PostgresConfigTransaction {
    static let eventColumns = """
        id, gateway_id, event_name, enabled, script, timeout_ms, ack_mode, description, version, created_at, updated_at
        """

    func events(gatewayId: Int64) throws -> [EventRecord] {
        try session.query("""
            SELECT \(unescaped: Self.eventColumns) FROM gateway_events WHERE gateway_id = \(gatewayId) ORDER BY event_name
            """).rows.map(EventRecord.init)
    }

    func eventsByGateway() throws -> [Int64: [EventRecord]] {
        let events = try session.query("""
            SELECT \(unescaped: Self.eventColumns) FROM gateway_events ORDER BY gateway_id, event_name
            """).rows.map(EventRecord.init)
        return Dictionary(grouping: events, by: \.gatewayId)
    }

    func findEvent(gatewayId: Int64, eventName: String) throws -> EventRecord? {
        try session.query("""
            SELECT \(unescaped: Self.eventColumns) FROM gateway_events WHERE gateway_id = \(gatewayId) AND event_name = \(eventName)
            """).rows.first.map(EventRecord.init)
    }

    func insertEvent(_ draft: EventDraft, gatewayId: Int64) throws -> EventRecord {
        try returned("""
            INSERT INTO gateway_events (gateway_id, event_name, enabled, script, timeout_ms, ack_mode, description)
            VALUES (\(gatewayId), \(draft.eventName), \(draft.enabled), \(draft.script), \(draft.timeoutMs),
                    \(draft.ack.rawValue), \(draft.description))
            RETURNING \(unescaped: Self.eventColumns)
            """, EventRecord.init)
    }

    func updateEvent(_ event: EventRecord) throws -> EventRecord {
        try returned("""
            UPDATE gateway_events
            SET event_name = \(event.eventName), enabled = \(event.enabled), script = \(event.script),
                timeout_ms = \(event.timeoutMs), ack_mode = \(event.ack.rawValue), description = \(event.description)
            WHERE id = \(event.id)
            RETURNING \(unescaped: Self.eventColumns)
            """, EventRecord.init)
    }

    func deleteEvent(id: Int64) throws {
        try session.query("DELETE FROM gateway_events WHERE id = \(id)")
    }
}

extension EventRecord {
    /// A row of `PostgresConfigTransaction.eventColumns`.
    init(_ row: PostgresRow) throws {
        let (id, gatewayId, eventName, enabled, script, timeoutMs, ack, description, version, createdAt, updatedAt) =
            try row.decode((Int64, Int64, String, Bool, String, Int, String, String, Int64, Date, Date).self)
        self.init(
            id: id, gatewayId: gatewayId, eventName: eventName, enabled: enabled, script: script, timeoutMs: timeoutMs,
            ack: try StoredEnum.decode(ack), description: description, version: version, createdAt: createdAt,
            updatedAt: updatedAt)
    }
}
