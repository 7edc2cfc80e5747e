import ArgumentParser
import Foundation

/// The `gatewayd` command: a real-time gateway daemon whose Socket.IO event handlers are sandboxed Lua.
@main
struct Gatewayd: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        abstract: "Real-time gateway daemon: Socket.IO gateways whose event handlers are sandboxed Lua scripts.",
        discussion: "Every option can also be set with an environment variable GATEWAYD_<NAME> (shown in each option's help); the command line wins.",
        version: version,
        subcommands: [ServeCommand.self, MigrateCommand.self, HandlersCommand.self, TestRunCommand.self, RoutesCommand.self],
        defaultSubcommand: ServeCommand.self
    )

    /// Like ArgumentParser's `main`, except that usage errors exit with 2 (the Unix convention scripts
    /// and CI check for) instead of 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            guard code == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ExitCode.usageError.rawValue)
        }
    }
}

extension ExitCode {
    /// Options or a request that cannot be run as given.
    static let usageError = ExitCode(2)
}
