/// The gateways and events tables inside one transaction a store has open: the store's operations and folder sync
/// are written once against this, so every backend follows the same rules. Valid only inside the `read` or `write`
/// body it is passed to; nothing here validates input.
protocol ConfigTransaction {
    /// Grows with every change to any gateway or event.
    func revision() throws -> Int64

    /// All gateways, ordered by path.
    func gateways() throws -> [GatewayRecord]
    func findGateway(id: Int64) throws -> GatewayRecord?
    func findGateway(path: String) throws -> GatewayRecord?
    func insertGateway(_ draft: GatewayDraft, origin: GatewayOrigin, folderName: String?) throws -> GatewayRecord
    /// Writes the editable fields of `gateway` into the row with its id, bumping its version; returns the stored row.
    func updateGateway(_ gateway: GatewayRecord) throws -> GatewayRecord
    /// Deletes the gateway and its events; false when there was no such gateway.
    func deleteGateway(id: Int64) throws -> Bool

    /// The gateway's events, ordered by name.
    func events(gatewayId: Int64) throws -> [EventRecord]
    /// All events of all gateways, grouped by gateway id, each group ordered by event name.
    func eventsByGateway() throws -> [Int64: [EventRecord]]
    func findEvent(gatewayId: Int64, eventName: String) throws -> EventRecord?
    func insertEvent(_ draft: EventDraft, gatewayId: Int64) throws -> EventRecord
    /// Writes the editable fields of `event` into the row with its id, bumping its version (and its gateway's);
    /// returns the stored row.
    func updateEvent(_ event: EventRecord) throws -> EventRecord
    func deleteEvent(id: Int64) throws
}

/// The rules the store's operations and sync share: what is not found, what conflicts, and that a no-op keeps the version.
extension ConfigTransaction {
    /// Throws `.gatewayNotFound`.
    func gateway(id: Int64) throws -> GatewayRecord {
        guard let gateway = try findGateway(id: id) else { throw ConfigStoreError.gatewayNotFound(id: id) }
        return gateway
    }

    /// Throws `.eventNotFound`.
    func event(gatewayId: Int64, eventName: String) throws -> EventRecord {
        guard let event = try findEvent(gatewayId: gatewayId, eventName: eventName) else {
            throw ConfigStoreError.eventNotFound(gatewayId: gatewayId, eventName: eventName)
        }
        return event
    }

    /// Throws `.conflict(field: "path")` when a gateway other than `exceptId` has `path`.
    func checkPathIsFree(_ path: String, exceptId: Int64? = nil) throws {
        if let holder = try findGateway(path: path), holder.id != exceptId {
            throw ConfigStoreError.conflict(field: "path", message: "gateway \(holder.id) already has path '\(path)'")
        }
    }

    func checkEventNameIsFree(gatewayId: Int64, eventName: String) throws {
        if try findEvent(gatewayId: gatewayId, eventName: eventName) != nil {
            throw ConfigStoreError.conflict(
                field: "eventName",
                message: "gateway \(gatewayId) already has an event named '\(eventName)'"
            )
        }
    }

    /// Writes `gateway` when it differs from `current`, so a no-op keeps its version.
    /// Returns the stored row and whether anything was written.
    func update(from current: GatewayRecord, to gateway: GatewayRecord) throws -> (record: GatewayRecord, changed: Bool) {
        guard gateway != current else { return (current, false) }
        return (try updateGateway(gateway), true)
    }

    /// Writes `event` when it differs from `current`, so a no-op keeps its version.
    /// Returns the stored row and whether anything was written.
    func update(from current: EventRecord, to event: EventRecord) throws -> (record: EventRecord, changed: Bool) {
        guard event != current else { return (current, false) }
        return (try updateEvent(event), true)
    }
}
