import ArgumentParser
import Foundation
import Persistence

/// `gatewayd handlers …`: working with the `handlers/` folder.
struct HandlersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handlers", abstract: "Work with the handlers/ folder.", subcommands: [SyncCommand.self])

    /// `gatewayd handlers sync`: writes the folder into the database (all or nothing) and prints what changed.
    struct SyncCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sync",
            abstract: "Load the handlers folder into the database.",
            discussion: "Every script is compiled first; one that does not compile stops the sync with its file and line, and nothing is changed. Exit 0 when synced, 1 when the folder was refused.")

        @OptionGroup var common: CommonOptions
        @OptionGroup var handlers: HandlersOptions

        func run() async throws {
            let logger = common.bootstrapLogging()
            let store = try Stores.open(common.databasePath)
            let summary: SyncSummary
            do {
                summary = try await HandlersSync.run(folder: handlers.handlersFolder, store: store, logger: logger)
            } catch let error as HandlersFolderError {
                FileHandle.standardError.write(Data("gatewayd: handlers not synced: \(error)\n".utf8))
                throw ExitCode.failure
            }
            for gateway in summary.gateways {
                let events = gateway.events
                print("\(gateway.action.rawValue) \(gateway.path) (\(gateway.folderName)): events created \(events.created), updated \(events.updated), deleted \(events.deleted), unchanged \(events.unchanged)")
            }
        }
    }
}
