import GRDB

/// One numbered SQL file from `migrations/`, compiled into the binary by the EmbedMigrations build plugin.
struct Migration: Sendable {
    /// The number the file name starts with; migrations apply in increasing order.
    let id: Int
    /// The file name without `.sql`, e.g. `0001_initial`: what GRDB records as applied.
    let name: String
    let sql: String

    /// A migrator that applies every embedded migration not yet recorded in `grdb_migrations`, in order,
    /// each in its own transaction.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.all.sorted(by: { $0.id < $1.id }) {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }
}
