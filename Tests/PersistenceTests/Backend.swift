import Foundation
import GRDB
import PostgresNIO
import Synchronization
import Testing

@testable import Persistence

/// The backends the contract tests run against, each test on a database of its own: SQLite always; PostgreSQL when
/// `GATEWAYD_TEST_POSTGRES_URL` names a server (a schema per test, dropped after it), and with `CI=true` also when it
/// does not, so that those cases fail rather than silently not run.
enum Backend: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let postgresURL = ProcessInfo.processInfo.environment["GATEWAYD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    static let all: [Backend] = postgresURL != nil || ProcessInfo.processInfo.environment["CI"] == "true"
        ? [.sqlite, .postgres] : [.sqlite]

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, empty, migrated database, which `TestDatabase.open` opens as often as the test
    /// likes (as processes sharing it would); removed afterwards.
    func withDatabase<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            return try await body(TestDatabase(location: directory.databasePath))
        case .postgres:
            let schema = try await PostgresTestSchema.create()
            let database = TestDatabase(location: schema.url)
            do {
                let result = try await body(database)
                try await schema.drop(closing: database)
                return result
            } catch {
                try? await schema.drop(closing: database)
                throw error
            }
        }
    }

    /// Runs `body` with the store of a fresh database: SQLite's in memory, PostgreSQL's in a schema of its own.
    func withStore<T>(_ body: (any ConfigStore) async throws -> T) async throws -> T {
        switch self {
        case .sqlite: try await body(try Stores.inMemory())
        case .postgres: try await withDatabase { database in try await body(try database.open()) }
        }
    }

    /// `withStore`'s collections.
    func withCollections<T>(_ body: (any CollectionStore) async throws -> T) async throws -> T {
        try await withStore { store in try await body(store.collections) }
    }

    /// A query for the names of the declared indexes that exist in the test's database.
    var declaredIndexNames: String {
        switch self {
        case .sqlite: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'collection_index_%'"
        case .postgres: "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'collection_index_%'"
        }
    }

    /// The migrations this backend's stores apply.
    var migrations: [Migration] {
        switch self {
        case .sqlite: EmbeddedMigrations.sqlite
        case .postgres: EmbeddedMigrations.postgres
        }
    }
}

/// Straight SQL on a store's database, for what the API does not show (rows left behind, indexes).
enum RawSQL {
    /// The first column of every row `sql` reads, as text.
    static func strings(_ sql: String, on store: any CollectionStore) throws -> [String] {
        switch store {
        case let store as SQLiteCollectionStore:
            return try store.database.read { db in try String.fetchAll(db, sql: sql) }
        case let store as PostgresCollectionStore:
            return try store.pool.withSession(deadline: nil) { session in
                try session.query(PostgresQuery(unsafeSQL: sql)).rows.map { try $0.decode(String.self) }
            }
        default:
            throw Unsupported()
        }
    }

    struct Unsupported: Error {}
}

/// One test's database: `open` opens a store on it; the PostgreSQL stores it opened are closed with it.
final class TestDatabase: Sendable {
    let location: String
    private let opened = Mutex<[any ConfigStore]>([])

    init(location: String) {
        self.location = location
    }

    func open() throws -> any ConfigStore {
        let store = try Stores.open(location)
        opened.withLock { $0.append(store) }
        return store
    }

    func close() {
        for store in opened.withLock({ $0 }) {
            (store as? PostgresConfigStore)?.close()
        }
    }
}

/// A schema of its own for one test on the PostgreSQL server of `GATEWAYD_TEST_POSTGRES_URL`, which its stores'
/// connections work in (`options=-c search_path=…` in their URL). At most ``maxAtOnce`` exist at once, so that the
/// parallel tests stay well within the server's connections.
struct PostgresTestSchema {
    static let maxAtOnce = 6
    static let slots = TestSlots(maxAtOnce)

    let name: String
    let url: String

    struct NoServer: Error, CustomStringConvertible {
        let description = "GATEWAYD_TEST_POSTGRES_URL is not set, and CI=true runs the PostgreSQL contract tests (scripts/test.sh starts a server)"
    }

    static func create() async throws -> PostgresTestSchema {
        guard let base = Backend.postgresURL else { throw NoServer() }
        await slots.acquire()
        do {
            let name = "gatewayd_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
            try administer(base) { session in try session.execute("CREATE SCHEMA \(name)") }
            let separator = base.contains("?") ? "&" : "?"
            return PostgresTestSchema(name: name, url: "\(base)\(separator)options=-c%20search_path%3D\(name)")
        } catch {
            await slots.release()
            throw error
        }
    }

    /// Closes the stores `database` opened, then drops the schema with everything in it.
    func drop(closing database: TestDatabase) async throws {
        database.close()
        do {
            try Self.administer(url) { session in try session.execute("DROP SCHEMA \(name) CASCADE") }
        } catch {
            await Self.slots.release()
            throw error
        }
        await Self.slots.release()
    }

    /// Runs `work` on a connection of its own to `url`.
    static func administer(_ url: String, _ work: (PostgresSession) throws -> Void) throws {
        let pool = PostgresConnectionPool(url: try PostgresURL(url))
        defer { pool.close() }
        try pool.withSession(deadline: nil, work)
    }
}

/// A counting semaphore that suspends instead of blocking.
actor TestSlots {
    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) {
        free = count
    }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
