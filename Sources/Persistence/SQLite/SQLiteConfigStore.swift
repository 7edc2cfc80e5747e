import Foundation
import GRDB

/// The config store in SQLite, through GRDB.
///
/// The file is in WAL mode, so readers never block the writer, and a writer waits up to `busyTimeout` for another
/// process's write to finish. GRDB runs the work on its own serial queues and the caller's task suspends instead
/// of blocking a cooperative thread. Storage failures surface as GRDB's `DatabaseError`.
final class SQLiteConfigStore: TransactionalConfigStore {
    /// How long a write waits for another process holding the write lock before failing.
    static let busyTimeout: TimeInterval = 5

    let database: any DatabaseWriter
    let sqliteCollections: SQLiteCollectionStore
    /// On a connection of its own with deferred transactions (in a file database), so the daemon's writers are not
    /// queued behind a test run that only reads, and wait at most `busyTimeout` behind one that wrote.
    let sqliteTestRunCollections: SQLiteCollectionStore

    var collections: any CollectionStore { sqliteCollections }
    var testRunCollections: any CollectionStore { sqliteTestRunCollections }

    /// Opens (creating it and its folder if needed) the database at `path` and applies pending migrations.
    convenience init(path: String) throws {
        let folder = URL(filePath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: path, configuration: Self.configuration)
        try Migration.migrator.migrate(pool)
        try self.init(
            database: pool,
            testRunCollections: SQLiteCollectionStore(
                database: DatabaseQueue(path: path, configuration: Self.configuration), transactionKind: .deferred))
    }

    /// A private in-memory database, gone when the store is: for tests and throwaway runs.
    static func inMemory() throws -> SQLiteConfigStore {
        let queue = try DatabaseQueue(configuration: configuration)
        try Migration.migrator.migrate(queue)
        return SQLiteConfigStore(database: queue, testRunCollections: nil)
    }

    /// `database` is migrated; `testRunCollections` nil: test runs share the store's one connection.
    private init(database: any DatabaseWriter, testRunCollections: SQLiteCollectionStore?) {
        self.database = database
        sqliteCollections = SQLiteCollectionStore(database: database)
        sqliteTestRunCollections = testRunCollections ?? sqliteCollections
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        return configuration
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConfigTransaction) throws -> T) async throws -> T {
        try await database.read { db in try body(SQLiteConfigTransaction(db: db)) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConfigTransaction) throws -> T) async throws -> T {
        do {
            return try await database.write { db in try body(SQLiteConfigTransaction(db: db)) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            throw ConfigStoreError.storageFull(message: "the database is out of space: \(error.message ?? "disk full")")
        }
    }

    func appliedMigrations() async throws -> [String] {
        try await database.read { db in try Migration.migrator.appliedMigrations(db) }
    }
}
