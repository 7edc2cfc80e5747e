import AdminHTTP
import ArgumentParser
import Foundation
import Gateway
import Hummingbird
import Logging
import Persistence
import ScriptSandbox
import ServiceLifecycle
import EngineIO
import SocketIO

/// What the daemon's parts share once it has started.
struct DaemonContext: Sendable {
    let configuration: DaemonConfiguration
    let store: any ConfigStore
    let scriptPool: ScriptWorkerPool
    let authenticator: GatewayAuthenticator
    let socketIO: SocketIOServer
    let gateway: GatewayRuntime
    let cluster: DaemonCluster?
    let logger: Logger
}

/// `gatewayd serve`: opens the store, syncs `handlers/`, and serves Socket.IO and the admin API on one port
/// until SIGTERM or SIGINT.
///
/// Everything long-running is a ServiceLifecycle `Service` in one group, so a signal shuts them down in
/// reverse order: the gateway runtime first (it refuses new work, lets queued handlers deliver their results
/// while the HTTP server still carries them, then closes the Socket.IO connections and the adapters), then the HTTP
/// server; in a cluster, the node then leaves it.
struct Daemon {
    let configuration: DaemonConfiguration
    let logger: Logger
    /// Served at `GET /metrics` when set (`serve --metrics`).
    var metrics: DaemonMetrics?

    func run() async throws {
        let store = try Stores.open(configuration.databasePath)
        try await syncHandlers(into: store)
        var cluster: DaemonCluster?
        if let settings = configuration.cluster { cluster = try await DaemonCluster.open(settings, store: store, logger: logger) }
        do {
            try await serve(makeContext(store: store, cluster: cluster))
        } catch {
            await cluster?.backplane.close()
            throw error
        }
        await cluster?.backplane.close()
    }

    private func serve(_ context: DaemonContext) async throws {
        defer { context.scriptPool.shutdown() }
        if let warning = configuration.adminAccess.startupWarning(host: configuration.host) {
            logger.warning("\(warning)")
        }
        if configuration.jwtSecret == nil {
            logger.warning("no JWT secret configured: tokens are not verified, gateways that require auth refuse every client")
        }
        if let cluster = context.cluster {
            try await cluster.backplane.onConfigChange { [gateway = context.gateway] in gateway.reloadSoon() }
        }
        // Before the server listens, so the first clients find their gateways — and, in a cluster, the packets the
        // other nodes logged before this one started, for clients that come back through it.
        try await context.gateway.load()
        if context.cluster != nil { await context.socketIO.catchUpRecoveryLogs() }

        let group = ServiceGroup(configuration: .init(
            services: [makeApplication(context)] + services(context),
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    /// The daemon's parts on `store`, nothing started yet; the caller shuts the script pool down.
    func makeContext(store: any ConfigStore, cluster: DaemonCluster? = nil) throws -> DaemonContext {
        let scriptPool = ScriptWorkerPool(workers: configuration.workers, logger: logger)
        let socketIO = cluster.map { $0.socketIOServer(options: configuration.socketIO, logger: logger) }
            ?? SocketIOServer(options: configuration.socketIO, logger: logger)
        let authenticator = try GatewayAuthenticator(secret: configuration.jwtSecret)
        let gateway = GatewayRuntime(
            server: socketIO, store: store, pool: scriptPool, authenticator: authenticator,
            settings: configuration.gateway, logger: logger)
        return DaemonContext(
            configuration: configuration, store: store, scriptPool: scriptPool, authenticator: authenticator,
            socketIO: socketIO, gateway: gateway, cluster: cluster, logger: logger)
    }

    /// The services that run next to the HTTP server (and stop before it).
    private func services(_ context: DaemonContext) -> [any Service] {
        [context.gateway]
    }

    /// One HTTP server for both: the Socket.IO endpoint (polling on the router, WebSocket upgrades in the server's
    /// channel) and the admin API.
    private func makeApplication(_ context: DaemonContext) -> some Service {
        let router = Router(context: SocketIORequestContext.self)
        installRoutes(context, on: router)
        context.socketIO.installRoutes(on: router)

        let logger = logger
        let host = configuration.host
        return Application(
            router: router,
            server: context.socketIO.httpServer(limits: configuration.http),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "gatewayd",
                availableConnectionsDelegate: configuration.http.connectionCap(logger: logger)),
            onServerRunning: { [cluster = context.cluster, gateway = context.gateway] channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("listening", metadata: ["host": "\(host)", "port": "\(port)"])
                // In the registry before anyone reads LISTENING: the other nodes forward to this one from now on.
                await cluster?.join(host: host, port: port, sockets: { gateway.socketCount }, logger: logger)
                // Unbuffered, so a supervisor or test reading the pipe sees it at once.
                FileHandle.standardOutput.write(Data("LISTENING \(port)\n".utf8))
            },
            logger: logger
        )
    }

    /// The daemon's HTTP routes: the admin API and `/healthz` (the Socket.IO endpoint is the router's middleware).
    /// `gatewayd routes` lists what this registers.
    func installRoutes(_ context: DaemonContext, on router: some RouterMethods<SocketIORequestContext>) {
        AdminAPI(
            store: context.store,
            runner: TestRunner(
                store: context.store, pool: context.scriptPool, socketDataBytes: configuration.gateway.socketDataBytes,
                auth: context.authenticator,
                data: { [gateway = context.gateway] commit, userId in
                    let data = gateway.testRunData(commit: commit, userId: userId)
                    return (data, { data.writes })
                }),
            access: configuration.adminAccess, version: Gatewayd.version,
            pusher: GatewayPushBridge(push: context.gateway.push),
            sockets: GatewaySocketsBridge(runtime: context.gateway),
            cluster: context.cluster.map { AdminCluster(node: $0.settings.node.rawValue, backplane: $0.backplane) },
            metrics: metrics.map { [gateway = context.gateway] metrics in
                AdminMetrics(isPublic: configuration.metricsPublic) { metrics.render(sampling: gateway) }
            },
            onCommit: { [gateway = context.gateway] changes in gateway.committed(changes) },
            onConfigChange: { [gateway = context.gateway, logger] in
                do {
                    try await gateway.reloadIfChanged()
                } catch {
                    logger.error("applying an admin API change failed; the next reload retries", metadata: ["error": "\(error)"])
                }
            },
            logger: logger
        ).install(on: router)
    }

    /// A folder that does not compile stops the start-up: serving stale handlers silently would be worse.
    private func syncHandlers(into store: any ConfigStore) async throws {
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
