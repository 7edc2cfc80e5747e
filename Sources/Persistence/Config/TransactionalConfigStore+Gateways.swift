/// Gateway CRUD (documented on `ConfigStore`).
extension TransactionalConfigStore {
    func gateways() async throws -> [GatewayRecord] {
        try await read { transaction in try transaction.gateways() }
    }

    func gateway(id: Int64) async throws -> GatewayRecord {
        try await read { transaction in try transaction.gateway(id: id) }
    }

    func gateway(path: String) async throws -> GatewayRecord? {
        try await read { transaction in try transaction.findGateway(path: path) }
    }

    func gatewayWithEvents(id: Int64) async throws -> GatewayWithEvents {
        try await read { transaction in
            GatewayWithEvents(gateway: try transaction.gateway(id: id), events: try transaction.events(gatewayId: id))
        }
    }

    func createGateway(_ draft: GatewayDraft) async throws -> GatewayRecord {
        try draft.validate()
        return try await write { transaction in
            try transaction.checkPathIsFree(draft.path)
            return try transaction.insertGateway(draft, origin: .api, folderName: nil)
        }
    }

    func updateGateway(id: Int64, _ patch: GatewayPatch) async throws -> GatewayRecord {
        try patch.validate()
        return try await write { transaction in
            let current = try transaction.gateway(id: id)
            if let path = patch.path { try transaction.checkPathIsFree(path, exceptId: id) }
            return try transaction.update(from: current, to: patch.applied(to: current)).record
        }
    }

    func deleteGateway(id: Int64) async throws {
        try await write { transaction in
            guard try transaction.deleteGateway(id: id) else { throw ConfigStoreError.gatewayNotFound(id: id) }
        }
    }
}
