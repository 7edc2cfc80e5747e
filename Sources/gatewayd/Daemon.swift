import AdminHTTP
import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import Persistence
import ScriptSandbox
import ServiceLifecycle
import SocketIO

/// What the daemon's parts share once it has started: the Gateway service is built from this.
struct DaemonContext: Sendable {
    let configuration: DaemonConfiguration
    let store: ConfigStore
    let scriptPool: ScriptWorkerPool
    let socketIO: SocketIOServer
    let logger: Logger
}

/// `gatewayd serve`: opens the store, syncs `handlers/`, and serves Socket.IO and the admin API on one port
/// until SIGTERM or SIGINT.
///
/// Everything long-running is a ServiceLifecycle `Service` in one group, so a signal shuts them down in
/// reverse order: Socket.IO connections are closed first, then the HTTP server stops.
struct Daemon {
    let configuration: DaemonConfiguration
    let logger: Logger

    func run() async throws {
        let store = try ConfigStore(path: configuration.databasePath)
        try await syncHandlers(into: store)
        let scriptPool = ScriptWorkerPool(workers: configuration.workers, logger: logger)
        defer { scriptPool.shutdown() }
        let context = DaemonContext(
            configuration: configuration, store: store, scriptPool: scriptPool,
            socketIO: SocketIOServer(options: configuration.socketIO, logger: logger), logger: logger)

        let group = ServiceGroup(configuration: .init(
            services: [makeApplication(context)] + services(context),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// The services that run next to the HTTP server. The Gateway service (stored gateways → namespaces)
    /// belongs here, built from `context`.
    private func services(_ context: DaemonContext) -> [any Service] {
        [SocketIODrain(server: context.socketIO)]
    }

    /// One HTTP server for both: the Socket.IO endpoint (polling on the HTTP router, WebSocket upgrades on
    /// the second router) and the admin API.
    private func makeApplication(_ context: DaemonContext) -> some Service {
        let router = Router(context: SocketIORequestContext.self)
        let webSocketRouter = Router(context: SocketIORequestContext.self)
        AdminAPI(
            store: context.store, runner: TestRunner(store: context.store, pool: context.scriptPool),
            adminToken: configuration.adminToken, version: Gatewayd.version, logger: logger
        ).install(on: router)
        context.socketIO.installRoutes(on: router)
        context.socketIO.installWebSocketRoutes(on: webSocketRouter)

        let maxFrameSize = configuration.socketIO.maxHttpBufferSize * 2 + 64
        let logger = logger
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter, configuration: .init(maxFrameSize: maxFrameSize)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gatewayd"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("listening", metadata: ["port": "\(port)", "admin": "\(configuration.adminToken == nil ? "loopback only" : "token")"])
                // Unbuffered, so a supervisor or test reading the pipe sees it at once.
                FileHandle.standardOutput.write(Data("LISTENING \(port)\n".utf8))
            },
            logger: logger
        )
    }

    /// A folder that does not compile stops the start-up: serving stale handlers silently would be worse.
    private func syncHandlers(into store: ConfigStore) async throws {
        let folder = configuration.handlersFolder
        guard configuration.syncHandlers else { return }
        guard HandlersSync.folderExists(folder) else {
            logger.info("no handlers folder, nothing to sync", metadata: ["folder": "\(folder)"])
            return
        }
        do {
            _ = try await HandlersSync.run(folder: folder, store: store, logger: logger)
        } catch let error as HandlersFolderError {
            logger.critical("handlers folder refused, not starting", metadata: ["error": "\(error)"])
            FileHandle.standardError.write(Data("gatewayd: handlers not synced: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// Closes every Socket.IO connection when the daemon shuts down, so long-polling requests end before the
/// HTTP server waits for them.
private struct SocketIODrain: Service {
    let server: SocketIOServer

    func run() async throws {
        try? await gracefulShutdown()
        server.closeAllConnections()
    }
}
