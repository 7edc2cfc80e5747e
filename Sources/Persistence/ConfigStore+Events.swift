import GRDB

/// Event handler CRUD, for the admin API. Events are addressed by gateway id and event name, as in its URLs.
extension ConfigStore {
    /// The gateway's events, ordered by name. Throws `.gatewayNotFound`.
    public func events(gatewayId: Int64) async throws -> [EventRecord] {
        try await database.read { db in
            _ = try GatewayTable.fetch(db, id: gatewayId)
            return try EventTable.fetchAll(db, gatewayId: gatewayId)
        }
    }

    /// Throws `.gatewayNotFound` or `.eventNotFound`.
    public func event(gatewayId: Int64, eventName: String) async throws -> EventRecord {
        try await database.read { db in
            _ = try GatewayTable.fetch(db, id: gatewayId)
            return try EventTable.fetch(db, gatewayId: gatewayId, eventName: eventName)
        }
    }

    /// Throws `.invalid`, `.gatewayNotFound` or `.conflict(field: "eventName")`.
    public func createEvent(gatewayId: Int64, _ draft: EventDraft) async throws -> EventRecord {
        try draft.validate()
        return try await database.write { db in
            _ = try GatewayTable.fetch(db, id: gatewayId)
            try EventTable.checkNameIsFree(db, gatewayId: gatewayId, eventName: draft.eventName)
            return try EventTable.insert(db, draft, gatewayId: gatewayId)
        }
    }

    /// Applies the fields `patch` sets (renaming when it sets `eventName`); a patch that changes nothing keeps
    /// the version. Throws `.invalid`, `.gatewayNotFound`, `.eventNotFound` or `.conflict(field: "eventName")`.
    public func updateEvent(gatewayId: Int64, eventName: String, _ patch: EventPatch) async throws -> EventRecord {
        try patch.validate()
        return try await database.write { db in
            _ = try GatewayTable.fetch(db, id: gatewayId)
            let current = try EventTable.fetch(db, gatewayId: gatewayId, eventName: eventName)
            if let newName = patch.eventName, newName != eventName {
                try EventTable.checkNameIsFree(db, gatewayId: gatewayId, eventName: newName)
            }
            return try EventTable.update(db, from: current, to: patch.applied(to: current)).record
        }
    }

    /// Throws `.gatewayNotFound` or `.eventNotFound`.
    public func deleteEvent(gatewayId: Int64, eventName: String) async throws {
        try await database.write { db in
            _ = try GatewayTable.fetch(db, id: gatewayId)
            let event = try EventTable.fetch(db, gatewayId: gatewayId, eventName: eventName)
            try EventTable.delete(db, id: event.id)
        }
    }
}
