import PostgresNIO

/// Applies `EmbeddedMigrations.postgres` to the schema a connection works in (its `search_path`), each once, recording
/// them in `gatewayd_migrations`.
///
/// Everything pending is applied in one transaction that first takes an advisory lock on the schema: nodes that
/// start at the same time wait for each other, and the later ones then find nothing left to do. A migration that
/// fails leaves the schema as it was.
enum PostgresMigrator {
    static let createTable: PostgresQuery = """
        CREATE TABLE IF NOT EXISTS gatewayd_migrations (
            id         integer PRIMARY KEY,
            name       text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// The advisory lock's two keys: this constant, and the schema's name hashed.
    static let lockKey: Int32 = 0x6777_6D67

    static func migrate(_ session: PostgresSession) throws {
        try session.transaction(deadline: nil) {
            try session.query("SELECT pg_advisory_xact_lock(\(lockKey), hashtext(current_schema()))")
            try session.query(createTable)
            let applied = Set(try session.query("SELECT id FROM gatewayd_migrations").rows.map { try $0.decode(Int.self) })
            // One statement may hold many only through PL/pgSQL's EXECUTE (the extended protocol takes one).
            try session.execute("CREATE OR REPLACE FUNCTION pg_temp.gatewayd_execute(sql text) RETURNS void LANGUAGE plpgsql AS $$BEGIN EXECUTE sql; END$$")
            for migration in EmbeddedMigrations.postgres.sorted(by: { $0.id < $1.id }) where !applied.contains(migration.id) {
                try session.query("SELECT pg_temp.gatewayd_execute(\(migration.sql))")
                try session.query("INSERT INTO gatewayd_migrations (id, name) VALUES (\(migration.id), \(migration.name))")
            }
        }
    }

    /// The names of the migrations recorded as applied, in the order they were applied.
    static func applied(_ session: PostgresSession) throws -> [String] {
        try session.query("SELECT name FROM gatewayd_migrations ORDER BY id").rows.map { try $0.decode(String.self) }
    }
}
