/// Event handler CRUD (documented on `ConfigStore`): each checks the gateway exists first.
extension TransactionalConfigStore {
    func events(gatewayId: Int64) async throws -> [EventRecord] {
        try await read { transaction in
            _ = try transaction.gateway(id: gatewayId)
            return try transaction.events(gatewayId: gatewayId)
        }
    }

    func event(gatewayId: Int64, eventName: String) async throws -> EventRecord {
        try await read { transaction in
            _ = try transaction.gateway(id: gatewayId)
            return try transaction.event(gatewayId: gatewayId, eventName: eventName)
        }
    }

    func createEvent(gatewayId: Int64, _ draft: EventDraft) async throws -> EventRecord {
        try draft.validate()
        return try await write { transaction in
            _ = try transaction.gateway(id: gatewayId)
            try transaction.checkEventNameIsFree(gatewayId: gatewayId, eventName: draft.eventName)
            return try transaction.insertEvent(draft, gatewayId: gatewayId)
        }
    }

    func updateEvent(gatewayId: Int64, eventName: String, _ patch: EventPatch) async throws -> EventRecord {
        try patch.validate()
        return try await write { transaction in
            _ = try transaction.gateway(id: gatewayId)
            let current = try transaction.event(gatewayId: gatewayId, eventName: eventName)
            if let newName = patch.eventName, newName != eventName {
                try transaction.checkEventNameIsFree(gatewayId: gatewayId, eventName: newName)
            }
            return try transaction.update(from: current, to: patch.applied(to: current)).record
        }
    }

    func deleteEvent(gatewayId: Int64, eventName: String) async throws {
        try await write { transaction in
            _ = try transaction.gateway(id: gatewayId)
            try transaction.deleteEvent(id: try transaction.event(gatewayId: gatewayId, eventName: eventName).id)
        }
    }
}
