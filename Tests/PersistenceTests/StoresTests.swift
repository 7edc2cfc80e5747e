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
        #expect(try await store.appliedMigrations() == EmbeddedMigrations.sqlite.map(\.name))
    }

    @Test(.enabled(if: Backend.all.contains(.postgres)))
    func aPostgresURLOpensPostgreSQL() async throws {
        try await Backend.postgres.withDatabase { database async throws in
            for scheme in ["postgres", "postgresql"] {
                let location = scheme + database.location.drop { $0 != ":" }
                let store = try Stores.open(location)
                #expect(store is PostgresConfigStore)
                #expect(try await store.appliedMigrations() == EmbeddedMigrations.postgres.map(\.name))
                (store as? PostgresConfigStore)?.close()
            }
        }
    }

    @Test(arguments: [
        ("postgres://user:secret@/gatewayd", "--db postgres://…: the URL names no host"),
        ("postgres://localhost:5432/gatewayd", "--db postgres://…@localhost: the URL names no user"),
        ("POSTGRESQL://u:secret@a,b/gatewayd", "--db postgresql://…: one host only (a,b)"),
        ("postgres://u:secret@localhost/db?sslmode=maybe",
         "--db localhost:5432/db: sslmode=maybe: expected disable, prefer, require, verify-ca or verify-full"),
        ("postgres://u:secret@localhost:6000?pool=3",
         "--db localhost:6000/u: unknown parameter pool (sslmode, options, application_name, connect_timeout)"),
    ])
    func aBadPostgresURLIsRefusedWithoutItsPassword(url: String, message: String) throws {
        let error = #expect(throws: DatabaseURLError.self) { try Stores.open(url) }
        #expect(error?.description == message)
        #expect(error?.description.contains("secret") == false)
    }

    @Test func anUnreachableServerIsNamedWithoutThePassword() throws {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let error = #expect(throws: PostgresStorageError.self) {
            try Stores.open("postgres://gatewayd:secret@127.0.0.1:1/gatewayd?sslmode=disable")
        }
        #expect(error?.description.hasPrefix("cannot connect to PostgreSQL at 127.0.0.1:1/gatewayd: ") == true)
        #expect(error?.description.contains("secret") == false)
    }
}

@Suite struct StoresDescribeTests {
    @Test func aPostgresURLIsShownWithoutItsPassword() {
        #expect(Stores.describe("postgres://app:s3cret@db.internal:5432/gw") == "postgres://app:***@db.internal:5432/gw")
        #expect(!Stores.describe("postgresql://app:s3cret@h/gw").contains("s3cret"))
        #expect(Stores.describe("postgres://app@h/gw") == "postgres://app@h/gw")
        #expect(Stores.describe("data/gatewayd.sqlite") == "data/gatewayd.sqlite")
    }
}
