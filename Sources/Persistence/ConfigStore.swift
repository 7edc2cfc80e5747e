import Foundation
import GRDB

/// The gateways and event handlers gatewayd serves, in SQLite.
///
/// One store per process; several processes may share the file (the daemon, the admin API inside it,
/// `gatewayd handlers sync`). The file is in WAL mode, so readers never block the writer, and a writer waits
/// up to `busyTimeout` for another process's write to finish. Every method is `async`: GRDB runs the work
/// on its own serial queues and the caller's task suspends instead of blocking a cooperative thread.
///
/// Input is validated (see `ConfigRules`) and refused with `ConfigStoreError`; scripts are stored as given,
/// because compiling Lua is the caller's business. Storage failures surface as GRDB's `DatabaseError`.
public final class ConfigStore: Sendable {
    /// How long a write waits for another process holding the write lock before failing.
    public static let busyTimeout: TimeInterval = 5

    let database: any DatabaseWriter
    /// The JSON document collections handler scripts use, in the same database.
    public let collections: CollectionStore
    /// The same collections for test runs, which hold one transaction for a whole run: on a connection of their own
    /// with deferred transactions (in a file database), so the daemon's writers are not queued behind a test run
    /// that only reads, and wait at most `busyTimeout` behind one that wrote.
    public let testRunCollections: CollectionStore

    /// Opens (creating it and its folder if needed) the database at `path` and applies pending migrations.
    public convenience init(path: String) throws {
        let folder = URL(filePath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pool = try DatabasePool(path: path, configuration: Self.configuration)
        try Migration.migrator.migrate(pool)
        try self.init(
            database: pool,
            testRunCollections: CollectionStore(
                database: DatabaseQueue(path: path, configuration: Self.configuration), transactionKind: .deferred))
    }

    /// A private in-memory database, gone when the store is: for tests and throwaway runs.
    public static func inMemory() throws -> ConfigStore {
        let queue = try DatabaseQueue(configuration: configuration)
        try Migration.migrator.migrate(queue)
        return ConfigStore(database: queue, testRunCollections: nil)
    }

    /// `database` is migrated; `testRunCollections` nil: test runs share the store's one connection.
    private init(database: any DatabaseWriter, testRunCollections: CollectionStore?) {
        self.database = database
        collections = CollectionStore(database: database)
        self.testRunCollections = testRunCollections ?? collections
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        return configuration
    }

    /// Names of the migrations recorded as applied, in the order they were applied.
    public func appliedMigrations() async throws -> [String] {
        try await database.read { db in try Migration.migrator.appliedMigrations(db) }
    }

    /// A number that grows with every change to any gateway or event, whichever process made it.
    /// Cheap enough to poll every second.
    public func revision() async throws -> Int64 {
        try await database.read(Self.revision)
    }

    /// All gateways with their events and the revision they correspond to, from one read transaction.
    public func snapshot() async throws -> ConfigSnapshot {
        try await database.read { db in
            let events = try EventTable.fetchAllByGateway(db)
            let gateways = try GatewayTable.fetchAll(db).map {
                GatewayWithEvents(gateway: $0, events: events[$0.id] ?? [])
            }
            return ConfigSnapshot(revision: try Self.revision(db), gateways: gateways)
        }
    }

    private static func revision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT revision FROM config_revision WHERE id = 1") ?? 0
    }
}
