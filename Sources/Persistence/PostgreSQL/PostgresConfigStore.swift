import NIOPosix
import PostgresNIO

/// The config store in PostgreSQL, through postgres-nio, shared by every node on the database.
///
/// The operations are synchronous transactions over `ConfigTransaction` (written once for all backends), so each
/// runs on a `NIOThreadPool` thread with a pooled connection (see `PostgresSession`) while the caller's task
/// suspends, as GRDB's queues do for SQLite. Reads are REPEATABLE READ snapshots; writes first lock the revision row,
/// so config writers run one at a time whatever node they are on, as SQLite's single writer does. Storage failures
/// surface as `PostgresStorageError`.
final class PostgresConfigStore: TransactionalConfigStore {
    let pool: PostgresConnectionPool
    let postgresCollections: PostgresCollectionStore
    /// Test runs take the collections' write lock at their first write only, so a test run that only reads never
    /// holds up the daemon's writers.
    let postgresTestRunCollections: PostgresCollectionStore

    var collections: any CollectionStore { postgresCollections }
    var testRunCollections: any CollectionStore { postgresTestRunCollections }

    /// Connects to the database `url` names and applies pending migrations, blocking the calling thread until done:
    /// a server that cannot be reached is an error naming its host and port.
    init(url: PostgresURL) throws {
        pool = PostgresConnectionPool(url: url)
        try pool.withSession(deadline: nil, PostgresMigrator.migrate)
        postgresCollections = PostgresCollectionStore(pool: pool, locksAtFirstWrite: false)
        postgresTestRunCollections = PostgresCollectionStore(pool: pool, locksAtFirstWrite: true)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConfigTransaction) throws -> T) async throws -> T {
        try await pool.offload { session in
            try session.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", deadline: nil) {
                try body(PostgresConfigTransaction(session: session))
            }
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConfigTransaction) throws -> T) async throws -> T {
        do {
            return try await pool.offload { session in
                try session.transaction(deadline: nil) {
                    try session.query("SELECT 1 FROM config_revision WHERE id = 1 FOR UPDATE")
                    return try body(PostgresConfigTransaction(session: session))
                }
            }
        } catch let error as PostgresStorageError where error.sqlState == PostgresStorageError.diskFull {
            throw ConfigStoreError.storageFull(message: "the database is out of space: \(error.description)")
        }
    }

    func appliedMigrations() async throws -> [String] {
        try await pool.offload(PostgresMigrator.applied)
    }

    /// Closes the pool's idle connections: for a store that is done with.
    func close() {
        pool.close()
    }
}
