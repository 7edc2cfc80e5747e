import GRDB

/// Gateway CRUD, for the admin API. Gateways created here have origin `.api`, so folder sync leaves them alone.
extension ConfigStore {
    /// All gateways, ordered by path.
    public func gateways() async throws -> [GatewayRecord] {
        try await database.read(GatewayTable.fetchAll)
    }

    /// Throws `.gatewayNotFound`.
    public func gateway(id: Int64) async throws -> GatewayRecord {
        try await database.read { db in try GatewayTable.fetch(db, id: id) }
    }

    /// The gateway serving `path`, if any.
    public func gateway(path: String) async throws -> GatewayRecord? {
        try await database.read { db in try GatewayTable.fetch(db, path: path) }
    }

    /// A gateway with all its events; throws `.gatewayNotFound`.
    public func gatewayWithEvents(id: Int64) async throws -> GatewayWithEvents {
        try await database.read { db in
            GatewayWithEvents(gateway: try GatewayTable.fetch(db, id: id), events: try EventTable.fetchAll(db, gatewayId: id))
        }
    }

    /// Throws `.invalid` or `.conflict(field: "path")`.
    public func createGateway(_ draft: GatewayDraft) async throws -> GatewayRecord {
        try draft.validate()
        return try await database.write { db in
            try GatewayTable.checkPathIsFree(db, path: draft.path)
            return try GatewayTable.insert(db, draft, origin: .api, folderName: nil)
        }
    }

    /// Applies the fields `patch` sets; a patch that changes nothing keeps the version.
    /// Throws `.invalid`, `.gatewayNotFound` or `.conflict(field: "path")`.
    public func updateGateway(id: Int64, _ patch: GatewayPatch) async throws -> GatewayRecord {
        try patch.validate()
        return try await database.write { db in
            let current = try GatewayTable.fetch(db, id: id)
            if let path = patch.path { try GatewayTable.checkPathIsFree(db, path: path, exceptId: id) }
            return try GatewayTable.update(db, from: current, to: patch.applied(to: current)).record
        }
    }

    /// Deletes the gateway and, by cascade, its events. Throws `.gatewayNotFound`.
    public func deleteGateway(id: Int64) async throws {
        try await database.write { db in try GatewayTable.delete(db, id: id) }
    }
}
