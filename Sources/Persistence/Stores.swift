import Foundation
import Logging

/// Opening the stores: the one place that picks a backend, so nothing above Persistence knows which it got.
public enum Stores {
    /// Opens the config store (and its collections) that `db`, the `--db` value, names, creating the database's
    /// tables and applying pending migrations as needed, blocking the calling thread until done:
    /// - a `postgres://` or `postgresql://` URL: PostgreSQL (see `PostgresURL` for its form); a URL that does not
    ///   parse throws `DatabaseURLError`, a server that cannot be reached `PostgresStorageError` naming its host
    ///   and port (neither repeats the password);
    /// - anything else: an SQLite file path (its folder is created if missing).
    public static func open(_ db: String) throws -> any ConfigStore {
        if PostgresURL.names(db) {
            return try PostgresConfigStore(url: PostgresURL(db))
        }
        return try SQLiteConfigStore(path: db)
    }

    /// Whether the `--db` value names a database several nodes can share as one cluster (PostgreSQL).
    public static func servesCluster(_ db: String) -> Bool {
        PostgresURL.names(db)
    }

    /// The backplane of `store`'s database for node `node`, listening already (``Backplane/join(address:sockets:)``
    /// enters it in the registry); nil for a backend that serves one node only. Fails as `open` does when the server
    /// cannot be reached.
    public static func openBackplane(
        for store: any ConfigStore, node: String, timing: ClusterTiming = ClusterTiming(),
        logger: Logger = Logger(label: "gatewayd.cluster")
    ) async throws -> (any Backplane)? {
        guard let store = store as? PostgresConfigStore else { return nil }
        return try await PostgresBackplane(pool: store.pool, node: node, timing: timing, logger: logger)
    }

    /// The `--db` value as logs and messages may show it: a PostgreSQL URL without its password.
    public static func describe(_ db: String) -> String {
        guard PostgresURL.names(db), var components = URLComponents(string: db), components.password != nil else { return db }
        components.password = "***"
        return components.string ?? "postgres://…"
    }

    /// A private in-memory SQLite database, gone when the store is: for tests and throwaway runs.
    public static func inMemory() throws -> any ConfigStore {
        try SQLiteConfigStore.inMemory()
    }
}
