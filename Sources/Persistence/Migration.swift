/// One numbered SQL file from `migrations/` (SQLite) or `migrations/postgres/` (PostgreSQL), compiled into the binary
/// by the EmbedMigrations build plugin as `EmbeddedMigrations.sqlite` and `.postgres`.
struct Migration: Sendable {
    /// The number the file name starts with; migrations apply in increasing order.
    let id: Int
    /// The file name without `.sql`, e.g. `0001_initial`: what a database records as applied.
    let name: String
    let sql: String
}
