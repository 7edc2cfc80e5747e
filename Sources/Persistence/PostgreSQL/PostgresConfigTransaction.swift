import PostgresNIO

/// The config tables on one pooled connection, inside the transaction `PostgresConfigStore` opened.
struct PostgresConfigTransaction: ConfigTransaction {
    let session: PostgresSession

    /// Kept by triggers (see `migrations/postgres/`), so every writer, on any node, bumps it.
    func revision() throws -> Int64 {
        try session.query("SELECT revision FROM config_revision WHERE id = 1").rows.first?.decode(Int64.self) ?? 0
    }

    /// The row a statement that writes one returns (`RETURNING`), decoded.
    func returned<Record>(_ query: PostgresQuery, _ decode: (PostgresRow) throws -> Record) throws -> Record {
        guard let row = try session.query(query).rows.first else {
            throw PostgresStorageError("a write that returns its row returned none")
        }
        return try decode(row)
    }
}
