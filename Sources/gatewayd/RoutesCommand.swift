import ArgumentParser
import Hummingbird
import Persistence
import Prometheus
import SocketIO

/// `gatewayd routes`: the HTTP routes `serve` registers, one `METHOD /path` a line (parameters as `{name}`), so
/// scripts and tests check every route rather than a list kept by hand.
struct RoutesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes", abstract: "List the HTTP routes the daemon serves (the admin API, /healthz and /metrics).")

    func run() async throws {
        let recorder = RouteRecorder<SocketIORequestContext>()
        // The daemon's own wiring on a throwaway store (and a registry nothing reports to); nothing is served or written.
        let daemon = Daemon(configuration: try ServeCommand.parse([]).configuration(fileDescriptorLimit: 1024), logger: .init(label: "gatewayd.routes"),
                            metrics: DaemonMetrics(registry: PrometheusCollectorRegistry()))
        let context = try daemon.makeContext(store: try Stores.inMemory())
        defer { context.scriptPool.shutdown() }
        daemon.installRoutes(context, on: recorder)
        for route in recorder.routes {
            print("\(route.method.rawValue) \(route.path)")
        }
    }
}
