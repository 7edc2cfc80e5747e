import GRDB
import Testing

@testable import Persistence

@Suite struct MigrationTests {
    @Test(arguments: Backend.all)
    func migrationsAreAppliedOnceAndRecorded(backend: Backend) async throws {
        try await backend.withDatabase { database async throws in
            let first = try database.open()
            let expected = backend.migrations.map(\.name)
            #expect(expected.first?.hasPrefix("0001_") == true)
            #expect(try await first.appliedMigrations() == expected)
            _ = try await first.createGateway(GatewayDraft(path: "/kept"))

            // Opening the same database again must not re-run 0001 (it would fail on CREATE TABLE, or wipe data).
            let second = try database.open()
            #expect(try await second.appliedMigrations() == expected)
            #expect(try await second.gateways().map(\.path) == ["/kept"])
        }
    }

    @Test(.enabled(if: Backend.all.contains(.postgres)))
    func nodesStartingAtOnceMigrateOnce() async throws {
        try await Backend.postgres.withDatabase { database async throws in
            let stores = try await withThrowingTaskGroup(of: (any ConfigStore).self) { group in
                for _ in 0..<4 { group.addTask { try database.open() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for store in stores {
                #expect(try await store.appliedMigrations() == EmbeddedMigrations.postgres.map(\.name))
            }
        }
    }

    @Test func fileDatabaseUsesWALAndForeignKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let store = try SQLiteConfigStore(path: directory.databasePath)
        let (journalMode, foreignKeys) = try await store.database.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(journalMode == "wal")
        #expect(foreignKeys == true)
    }

    @Test func rebuildingGatewayEventsKeepsRowsAndTriggers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A database as 0001 left it, with one gateway and one event.
        let queue = try DatabaseQueue(path: directory.databasePath)
        var first = DatabaseMigrator()
        let initial = try #require(EmbeddedMigrations.sqlite.first { $0.id == 1 })
        first.registerMigration(initial.name) { db in try db.execute(sql: initial.sql) }
        try first.migrate(queue)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO gateways (path) VALUES ('/old')")
            try db.execute(sql: "INSERT INTO gateway_events (gateway_id, event_name, script, ack_mode) VALUES (1, 'e', 'return 1', 'result')")
        }
        try queue.close()

        let store = try SQLiteConfigStore(path: directory.databasePath)
        #expect(try await store.appliedMigrations() == EmbeddedMigrations.sqlite.map(\.name))
        let event = try await store.event(gatewayId: 1, eventName: "e")
        #expect((event.id, event.script, event.ack) == (1, "return 1", .result))
        #expect(try await store.gateway(id: 1).defaultAck == .queued)
        // The recreated triggers still bump versions and the revision.
        let (version, revision) = (try await store.gateway(id: 1).version, try await store.revision())
        _ = try await store.updateEvent(gatewayId: 1, eventName: "e", EventPatch(ack: .callback))
        #expect(try await store.gateway(id: 1).version > version)
        #expect(try await store.revision() > revision)
        #expect(try await store.event(gatewayId: 1, eventName: "e").ack == .callback)
    }

    @Test(arguments: [Backend.sqlite, .postgres])
    func embeddedMigrationsAreNumberedInOrder(backend: Backend) {
        let ids = backend.migrations.map(\.id)
        #expect(ids == Array(1...ids.count))
    }
}
