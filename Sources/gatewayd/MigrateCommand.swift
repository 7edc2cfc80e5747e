import ArgumentParser
import Persistence

/// `gatewayd migrate`: creates the database or brings its schema up to date, then exits.
/// Migrations already applied are never applied again.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create the database or apply its pending schema migrations.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = common.bootstrapLogging()
        let store = try Stores.open(common.databasePath)
        let applied = try await store.appliedMigrations()
        logger.info("database is up to date", metadata: ["db": "\(Stores.describe(common.databasePath))", "migrations": "\(applied)"])
        print("migrations applied: \(applied.joined(separator: ", "))")
    }
}
