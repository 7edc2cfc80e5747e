import Testing

@testable import Persistence

/// Two stores on one database behave like the daemon and `gatewayd handlers sync` running in another process (or,
/// on PostgreSQL, like two nodes).
@Suite struct SharedDatabaseTests {
    @Test(arguments: Backend.all)
    func aWriteFromAnotherConnectionIsSeen(backend: Backend) async throws {
        try await backend.withDatabase { database async throws in
            let daemon = try database.open()
            let cli = try database.open()
            let before = try await daemon.snapshot()

            let gateway = try await cli.createGateway(GatewayDraft(path: "/chat"))

            #expect(try await daemon.revision() > before.revision)
            let after = try await daemon.snapshot()
            #expect(after.gateways.map(\.gateway) == [gateway])
            #expect(after.revision == (try await daemon.revision()))
        }
    }

    @Test(arguments: Backend.all)
    func twoStoresCanWriteAtTheSameTime(backend: Backend) async throws {
        try await backend.withDatabase { database async throws in
            let stores = [try database.open(), try database.open()]

            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        for number in 0..<20 {
                            _ = try await store.createGateway(GatewayDraft(path: "/store\(index)/\(number)"))
                        }
                    }
                }
                try await group.waitForAll()
            }

            #expect(try await stores[0].gateways().count == 40)
            #expect(try await stores[1].revision() == 40)
        }
    }

    @Test(arguments: Backend.all)
    func collectionWritesFromTwoStoresAllLand(backend: Backend) async throws {
        try await backend.withDatabase { database async throws in
            let stores = [try database.open().collections, try database.open().collections]
            _ = try stores[0].run("create", "counters", ["data": ["id": "c", "n": 0]])

            // Read-modify-write in a transaction on both at once: none is lost, as writers run one at a time.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores {
                    group.addTask {
                        for _ in 0..<10 {
                            try store.transaction(deadline: nil) { session in
                                let current = try session.perform(request("findOne", "counters", ["filter": ["id": "c"]])).result
                                let n = current?["n"]?.intValue ?? 0
                                _ = try session.perform(request("update", "counters", ["id": "c", "data": ["n": .int(n + 1)]]))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }

            #expect(try stores[1].run("findOne", "counters")?["n"] == 20)
        }
    }

    /// A test run holds one transaction for the whole run: while it has only read, the daemon's writers go on, and
    /// it reads the snapshot it started with.
    @Test(arguments: Backend.all)
    func aTestRunThatOnlyReadHoldsUpNoWriter(backend: Backend) async throws {
        try await backend.withDatabase { database async throws in
            let store = try database.open()
            _ = try store.collections.run("create", "t", ["data": ["id": "before"]])
            try store.testRunCollections.transaction(deadline: nil, commit: false) { run in
                #expect(try run.perform(request("count", "t", nil)).result == 1)
                // Were the run holding the write lock, this would wait on this very thread until its deadline.
                let soon = CollectionDeadline.after(5_000_000_000)
                _ = try store.collections.perform(request("create", "t", ["data": ["id": "daemon"]]), deadline: soon)
                #expect(try run.perform(request("count", "t", nil)).result == 1)
            }
            #expect(try store.collections.ids("t", [:]) == ["before", "daemon"])
        }
    }
}
