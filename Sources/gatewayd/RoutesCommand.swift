import ArgumentParser
import Hummingbird
import Persistence
import SocketIO

/// `gatewayd routes`: the HTTP routes `serve` registers, one `METHOD /path` a line (parameters as `{name}`), so
/// scripts and tests check every route rather than a list kept by hand.
struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "List the HTTP routes the daemon serves (the admin API and /healthz).")

    func run() async throws {
        let recorder = RouteRecorder<SocketIORequestContext>()
        // The daemon's own wiring on a throwaway store; nothing is served or written.
        let daemon = Daemon(configuration: try ServeCommand.parse([]).configuration(fileDescriptorLimit: 1024), logger: .init(label: "gatewayd.routes"))
        let context = try daemon.makeContext(store: try Stores.inMemory())
        defer { context.scriptPool.shutdown() }
        daemon.installRoutes(context, on: recorder)
        for route in recorder.routes {
            print("\(route.method.rawValue) \(route.path)")
        }
    }
}
