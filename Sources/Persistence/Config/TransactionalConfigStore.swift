/// A config store whose operations are transactions over a ``ConfigTransaction``: a backend supplies `read`, `write`
/// and its tables, and the operations (here and in the `+Gateways`, `+Events` extensions, sync in `HandlersFolder`)
/// are the same for all.
protocol TransactionalConfigStore: ConfigStore {
    associatedtype Transaction: ConfigTransaction

    /// Runs `body` in a read transaction: one consistent state of the store.
    func read<T: Sendable>(_ body: @escaping @Sendable (Transaction) throws -> T) async throws -> T
    /// Runs `body` in a write transaction that commits when it returns and rolls back when it throws.
    func write<T: Sendable>(_ body: @escaping @Sendable (Transaction) throws -> T) async throws -> T
}

extension TransactionalConfigStore {
    func revision() async throws -> Int64 {
        try await read { transaction in try transaction.revision() }
    }

    func snapshot() async throws -> ConfigSnapshot {
        try await read { transaction in
            let events = try transaction.eventsByGateway()
            let gateways = try transaction.gateways().map {
                GatewayWithEvents(gateway: $0, events: events[$0.id] ?? [])
            }
            return ConfigSnapshot(revision: try transaction.revision(), gateways: gateways)
        }
    }
}
