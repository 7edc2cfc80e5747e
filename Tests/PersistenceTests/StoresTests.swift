import Foundation
import Testing

@testable import Persistence

@Suite struct StoresTests {
    @Test func aFilePathOpensSQLiteCreatingItsFolder() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.url.appending(path: "nested/folder/config.sqlite").path()

        let store = try Stores.open(path)

        #expect(store is SQLiteConfigStore)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try await store.appliedMigrations() == EmbeddedMigrations.all.map(\.name))
    }

    @Test func aPostgresURLIsRefusedUntilPostgreSQLIsBuilt() throws {
        for url in ["postgres://user:secret@localhost:5432/gatewayd", "POSTGRESQL://localhost/gatewayd"] {
            let error = #expect(throws: UnsupportedDatabase.self) { try Stores.open(url) }
            #expect(error?.description.contains("PostgreSQL") == true)
            // The URL may hold a password: the message never repeats it.
            #expect(error?.description.contains("secret") == false)
        }
    }
}
