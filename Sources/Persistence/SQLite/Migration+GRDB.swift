import GRDB

extension Migration {
    /// A migrator that applies every embedded SQLite migration not yet recorded in `grdb_migrations`, in order,
    /// each in its own transaction.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.sqlite.sorted(by: { $0.id < $1.id }) {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }
}
