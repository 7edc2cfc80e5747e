import GRDB

/// The config tables on one GRDB connection, inside the transaction `SQLiteConfigStore` opened.
struct SQLiteConfigTransaction: ConfigTransaction {
    let db: Database

    /// Kept by triggers (see `migrations/`), so every writer, in any process, bumps it.
    func revision() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT revision FROM config_revision WHERE id = 1") ?? 0
    }
}
