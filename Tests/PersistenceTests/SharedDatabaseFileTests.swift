import Testing

@testable import Persistence

/// Two stores on one file behave like the daemon and `gatewayd handlers sync` running in another process.
@Suite struct SharedDatabaseFileTests {
    @Test func aWriteFromAnotherConnectionIsSeen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let daemon = try Stores.open(directory.databasePath)
        let cli = try Stores.open(directory.databasePath)
        let before = try await daemon.snapshot()

        let gateway = try await cli.createGateway(GatewayDraft(path: "/chat"))

        #expect(try await daemon.revision() > before.revision)
        let after = try await daemon.snapshot()
        #expect(after.gateways.map(\.gateway) == [gateway])
        #expect(after.revision == (try await daemon.revision()))
    }

    @Test func twoStoresCanWriteAtTheSameTime() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let stores = [try Stores.open(directory.databasePath), try Stores.open(directory.databasePath)]

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
