import GRDB
import Testing

@testable import Persistence

@Suite struct MigrationTests {
    @Test func migrationsAreAppliedOnceAndRecorded() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let first = try ConfigStore(path: directory.databasePath)
        let expected = EmbeddedMigrations.all.map(\.name)
        #expect(expected.first == "0001_initial")
        #expect(try await first.appliedMigrations() == expected)
        _ = try await first.createGateway(GatewayDraft(path: "/kept"))

        // Opening the same file again must not re-run 0001 (it would fail on CREATE TABLE, or wipe data).
        let second = try ConfigStore(path: directory.databasePath)
        #expect(try await second.appliedMigrations() == expected)
        #expect(try await second.gateways().map(\.path) == ["/kept"])
    }

    @Test func fileDatabaseUsesWALAndForeignKeys() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let store = try ConfigStore(path: directory.databasePath)
        let (journalMode, foreignKeys) = try await store.database.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Bool.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(journalMode == "wal")
        #expect(foreignKeys == true)
    }

    @Test func embeddedMigrationsAreNumberedInOrder() {
        let ids = EmbeddedMigrations.all.map(\.id)
        #expect(ids == Array(1...ids.count))
    }
}
