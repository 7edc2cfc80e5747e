/// Opening the stores: the one place that picks a backend, so nothing above Persistence knows which it got.
public enum Stores {
    /// Opens the config store (and its collections) that `db`, the `--db` value, names, creating the database and
    /// applying pending migrations as needed:
    /// - a `postgres://` or `postgresql://` URL: PostgreSQL, which is not built yet — this throws
    ///   `UnsupportedDatabase` saying so;
    /// - anything else: an SQLite file path (its folder is created if missing).
    public static func open(_ db: String) throws -> any ConfigStore {
        if let scheme = postgresSchemes.first(where: { db.lowercased().hasPrefix("\($0)://") }) {
            throw UnsupportedDatabase(scheme: scheme)
        }
        return try SQLiteConfigStore(path: db)
    }

    /// A private in-memory SQLite database, gone when the store is: for tests and throwaway runs.
    public static func inMemory() throws -> any ConfigStore {
        try SQLiteConfigStore.inMemory()
    }

    static let postgresSchemes = ["postgres", "postgresql"]
}
