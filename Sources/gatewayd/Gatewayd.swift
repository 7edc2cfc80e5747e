import ArgumentParser
import Foundation

/// The process's entry point: synchronous, running the command in a detached task while the main thread
/// waits. An `async` main parks the main thread in libdispatch's `dispatch_main`, which valgrind 3.19 cannot
/// run (it dies with an internal SIGSEGV as the first worker thread starts), and `make bench-cost` counts
/// instructions under valgrind.
@main
enum GatewaydEntryPoint {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await Gatewayd.runCommandLine()
            finished.signal()
        }
        finished.wait()
    }
}

/// The `gatewayd` command: a real-time gateway daemon whose Socket.IO event handlers are sandboxed Lua.
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
    static func runCommandLine() async {
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
