/// Writing the folder into the store.
///
/// Sync owns exactly the gateways whose origin is `.folder`: it creates those the folder gained, updates
/// those that changed (matched by folder name, so editing `path` keeps the gateway's id), and deletes those
/// whose folder is gone, along with their events. Gateways of origin `.api` are never touched, and a folder
/// gateway whose path one of them already serves stops the sync.
///
/// Every script is validated before anything is written, and all writes happen in one transaction: a sync
/// either applies the whole folder or changes nothing. Content that did not change is not rewritten, so its
/// version and the store's revision stay put. Declared collection indexes are created afterwards (and never dropped
/// by a sync).
extension HandlersFolder {
    /// Loads `folder` and syncs it into `store`.
    public static func sync(folder: String, into store: any ConfigStore, validate: ScriptValidator) async throws -> SyncSummary {
        try await load(from: folder).sync(into: store, validate: validate)
    }

    /// Validates every script, then writes this folder into `store` in one transaction.
    /// Throws `HandlersFolderError` (`.scriptRejected`, `.pathTakenByAPIGateway`) or a storage error.
    public func sync(into store: any ConfigStore, validate: ScriptValidator) async throws -> SyncSummary {
        for (file, source) in gateways.flatMap(\.scripts) {
            do {
                try validate(source, file)
            } catch {
                throw HandlersFolderError.scriptRejected(file: file, by: error)
            }
        }
        let summary = try await store.apply(self)
        // Indexes are only ever added (another gateway, or the data itself, may rely on them).
        for gateway in gateways {
            for (collection, fields) in gateway.indexes.sorted(by: { $0.key < $1.key }) {
                try store.collections.declareIndexes(collection: collection, fields: fields)
            }
        }
        return summary
    }

    /// Sync's writes, inside the store's write transaction.
    func apply(to transaction: some ConfigTransaction) throws -> SyncSummary {
        let stored = try transaction.gateways()
        var storedByFolder: [String: GatewayRecord] = [:]
        for gateway in stored {
            if let folderName = gateway.folderName { storedByFolder[folderName] = gateway }
        }
        for folderGateway in gateways {
            if let holder = stored.first(where: { $0.path == folderGateway.gateway.path }), holder.origin == .api {
                throw HandlersFolderError(
                    .pathTakenByAPIGateway,
                    file: folderGateway.settingsFile,
                    field: "path",
                    message: "'\(holder.path)' is already served by gateway \(holder.id), created through the admin API"
                )
            }
        }

        var summary = SyncSummary()
        // Deletions first, then updates, then creations: a path a folder gave up is free for another by then.
        let folderNames = Set(gateways.map(\.folderName))
        for (folderName, gateway) in storedByFolder.sorted(by: { $0.key < $1.key }) where !folderNames.contains(folderName) {
            var events = SyncSummary.Counts()
            events.record(.deleted, count: try transaction.events(gatewayId: gateway.id).count)
            _ = try transaction.deleteGateway(id: gateway.id)
            summary.gateways.append(.init(folderName: folderName, path: gateway.path, action: .deleted, events: events))
        }
        let existing = gateways.compactMap { folderGateway in storedByFolder[folderGateway.folderName].map { (folderGateway, $0) } }
        let new = gateways.filter { storedByFolder[$0.folderName] == nil }
        for (folderGateway, current) in existing {
            let target = GatewayPatch(replacingWith: folderGateway.gateway).applied(to: current)
            let changed = try transaction.update(from: current, to: target).changed
            summary.gateways.append(.init(
                folderName: folderGateway.folderName,
                path: folderGateway.gateway.path,
                action: changed ? .updated : .unchanged,
                events: try syncEvents(transaction, of: folderGateway, into: current.id)
            ))
        }
        for folderGateway in new {
            let created = try transaction.insertGateway(folderGateway.gateway, origin: .folder, folderName: folderGateway.folderName)
            summary.gateways.append(.init(
                folderName: folderGateway.folderName,
                path: folderGateway.gateway.path,
                action: .created,
                events: try syncEvents(transaction, of: folderGateway, into: created.id)
            ))
        }
        return summary
    }

    /// Makes the stored events of gateway `gatewayId` exactly the folder gateway's events.
    private func syncEvents(_ transaction: some ConfigTransaction, of folderGateway: FolderGateway, into gatewayId: Int64) throws -> SyncSummary.Counts {
        var counts = SyncSummary.Counts()
        var storedByName = Dictionary(uniqueKeysWithValues: try transaction.events(gatewayId: gatewayId).map { ($0.eventName, $0) })
        for folderEvent in folderGateway.events {
            if let current = storedByName.removeValue(forKey: folderEvent.event.eventName) {
                let target = EventPatch(replacingWith: folderEvent.event).applied(to: current)
                counts.record(try transaction.update(from: current, to: target).changed ? .updated : .unchanged)
            } else {
                _ = try transaction.insertEvent(folderEvent.event, gatewayId: gatewayId)
                counts.record(.created)
            }
        }
        for gone in storedByName.values {
            try transaction.deleteEvent(id: gone.id)
            counts.record(.deleted)
        }
        return counts
    }
}

extension TransactionalConfigStore {
    func apply(_ folder: HandlersFolder) async throws -> SyncSummary {
        try await write { transaction in try folder.apply(to: transaction) }
    }
}
