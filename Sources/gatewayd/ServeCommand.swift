import AdminHTTP
import ArgumentParser
import Foundation
import Gateway
import Logging
import NIOCore
import ScriptSandbox
import EngineIO
import SocketIO

/// `gatewayd serve`: the daemon. With no options it serves on port 3000 from `gatewayd.sqlite` in the
/// working directory, after syncing `handlers/` when that folder exists.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Socket.IO gateways and the admin HTTP API on one port (the default command).",
        discussion: "Prints 'LISTENING <port>' on stdout once it accepts connections. SIGTERM or SIGINT shut it down gracefully (exit 0).")

    @OptionGroup var common: CommonOptions
    @OptionGroup var handlers: HandlersOptions

    @Option(help: "Address to bind; 0.0.0.0 for every interface (env GATEWAYD_HOST).")
    var host: String = EnvironmentDefault.value("GATEWAYD_HOST", "0.0.0.0")
    @Option(help: "Port to listen on; 0 picks a free one (env GATEWAYD_PORT).")
    var port: Int = EnvironmentDefault.value("GATEWAYD_PORT", 3000)
    @Flag(inversion: .prefixedNo, help: "Sync the handlers folder into the database at start-up (env GATEWAYD_SYNC=true|false).")
    var sync: Bool = EnvironmentDefault.flag("GATEWAYD_SYNC", true)
    @Option(help: "Bearer token for /admin/*; without one the admin API only answers unforwarded loopback requests, and only when --host is loopback (env GATEWAYD_ADMIN_TOKEN).")
    var adminToken: String?
    @Flag(inversion: .prefixedNo, help: "Without --admin-token, let loopback clients use the admin API even when --host is not loopback (env GATEWAYD_ADMIN_INSECURE_LOOPBACK=true|false).")
    var adminInsecureLoopback: Bool = EnvironmentDefault.flag("GATEWAYD_ADMIN_INSECURE_LOOPBACK", false)
    @Option(help: "Milliseconds a client has to send a whole request head before its connection is cut (env GATEWAYD_HEADER_TIMEOUT).")
    var headerTimeout: Int = EnvironmentDefault.value("GATEWAYD_HEADER_TIMEOUT", 10_000)
    @Option(help: "Milliseconds a keep-alive HTTP connection may wait for its next request before it is closed (env GATEWAYD_IDLE_TIMEOUT).")
    var idleTimeout: Int = EnvironmentDefault.value("GATEWAYD_IDLE_TIMEOUT", 60_000)
    @Option(help: "Milliseconds a request body may take to arrive after its head before the connection is cut (env GATEWAYD_BODY_TIMEOUT).")
    var bodyTimeout: Int = EnvironmentDefault.value("GATEWAYD_BODY_TIMEOUT", 30_000)
    @Option(help: "Open connections past which new ones wait in the listen backlog; 0 derives it from the open-files limit (env GATEWAYD_MAX_CONNECTIONS).")
    var maxConnections: Int = EnvironmentDefault.value("GATEWAYD_MAX_CONNECTIONS", 0)
    @Option(help: "Open connections one client address may have; more are answered 429 TOO_MANY_CONNECTIONS; 0 for no limit (env GATEWAYD_MAX_CONNECTIONS_PER_IP).")
    var maxConnectionsPerIp: Int = EnvironmentDefault.value("GATEWAYD_MAX_CONNECTIONS_PER_IP", 1000)
    @Option(help: "New sessions one client address may open a second, in bursts of as many; more are answered 429 CONNECT_RATE_LIMITED; 0 for no limit (env GATEWAYD_MAX_CONNECT_RATE_PER_IP).")
    var maxConnectRatePerIp: Double = EnvironmentDefault.value("GATEWAYD_MAX_CONNECT_RATE_PER_IP", 100)
    @OptionGroup var jwt: JWTOptions
    @OptionGroup var clusterOptions: ClusterOptions
    @Option(help: "Network event-loop threads serving connections (env GATEWAYD_EVENT_LOOPS).")
    var eventLoops: Int = EnvironmentDefault.value("GATEWAYD_EVENT_LOOPS", ProcessInfo.processInfo.activeProcessorCount)
    @Option(help: "Lua worker threads running handlers (env GATEWAYD_WORKERS).")
    var workers: Int = EnvironmentDefault.value("GATEWAYD_WORKERS", ProcessInfo.processInfo.activeProcessorCount)
    @Option(help: "Handler runs that may wait for a worker before events are refused (env GATEWAYD_QUEUE_SIZE).")
    var queueSize: Int = EnvironmentDefault.value("GATEWAYD_QUEUE_SIZE", 1000)
    @Option(help: "Bytes of event payloads the pending handler runs may hold before events are refused (env GATEWAYD_MAX_QUEUED_BYTES).")
    var maxQueuedBytes: Int = EnvironmentDefault.value("GATEWAYD_MAX_QUEUED_BYTES", GatewaySettings.defaultMaxQueuedBytes)
    @Option(help: "Handler runs one connection may have pending before its events are refused (env GATEWAYD_MAX_PENDING_PER_SOCKET).")
    var maxPendingPerSocket: Int = EnvironmentDefault.value("GATEWAYD_MAX_PENDING_PER_SOCKET", 100)
    @Option(help: "Milliseconds shutdown waits for queued handlers before answering the rest SHUTTING_DOWN (env GATEWAYD_SHUTDOWN_GRACE).")
    var shutdownGrace: Int = EnvironmentDefault.value("GATEWAYD_SHUTDOWN_GRACE", 10_000)
    @Option(help: "HTTP path of the Socket.IO endpoint; repeat it to serve several, each serving every gateway (env GATEWAYD_PATH, comma-separated).")
    var path: [String] = EnvironmentDefault.list("GATEWAYD_PATH", default: ["/socket.io/"])
    @Option(help: "A browser origin allowed to connect, repeatable; '*' allows any; none disables CORS (env GATEWAYD_CORS_ORIGIN, comma-separated).")
    var corsOrigin: [String] = EnvironmentDefault.list("GATEWAYD_CORS_ORIGIN")
    @Flag(inversion: .prefixedNo, help: "Answer allowed origins with Access-Control-Allow-Credentials: true and the exact request origin, so browsers may poll with credentials (socket.io 2.x clients always do) (env GATEWAYD_CORS_CREDENTIALS=true|false).")
    var corsCredentials: Bool = EnvironmentDefault.flag("GATEWAYD_CORS_CREDENTIALS", true)
    @Option(help: "Engine.IO ping interval in milliseconds (env GATEWAYD_PING_INTERVAL).")
    var pingInterval: Int = EnvironmentDefault.value("GATEWAYD_PING_INTERVAL", 25_000)
    @Option(help: "Engine.IO ping timeout in milliseconds (env GATEWAYD_PING_TIMEOUT).")
    var pingTimeout: Int = EnvironmentDefault.value("GATEWAYD_PING_TIMEOUT", 20_000)
    @Option(help: "Milliseconds a client may stay connected without joining a gateway (env GATEWAYD_CONNECT_TIMEOUT).")
    var connectTimeout: Int = EnvironmentDefault.value("GATEWAYD_CONNECT_TIMEOUT", 45_000)
    @Option(help: "Bytes one connection may have waiting to be sent before it is closed with 'transport error' (a client that stops reading) (env GATEWAYD_MAX_OUTBOUND_BUFFER).")
    var maxOutboundBuffer: Int = EnvironmentDefault.value("GATEWAYD_MAX_OUTBOUND_BUFFER", 1 << 20)
    @Option(help: "Bytes waiting for all clients together (those that do not read) past which a connection whose output still grows is closed with 'transport error'; 0: no bound beyond each connection's (env GATEWAYD_MAX_OUTBOUND_TOTAL).")
    var maxOutboundTotal: Int = EnvironmentDefault.value("GATEWAYD_MAX_OUTBOUND_TOTAL", 256 << 20)
    @Option(help: "Largest Socket.IO message in bytes (env GATEWAYD_MAX_PAYLOAD).")
    var maxPayload: Int = EnvironmentDefault.value("GATEWAYD_MAX_PAYLOAD", 1_000_000)
    @Option(help: "Milliseconds after its token's exp (and the auth:expired event) that a socket is disconnected (env GATEWAYD_AUTH_EXPIRY_GRACE).")
    var authExpiryGrace: Int = EnvironmentDefault.value("GATEWAYD_AUTH_EXPIRY_GRACE", 0)
    @Option(help: "Bytes of JSON a handler run may leave in SOCKET.data (env GATEWAYD_SOCKET_DATA_LIMIT).")
    var socketDataLimit: Int = EnvironmentDefault.value("GATEWAYD_SOCKET_DATA_LIMIT", HandlerLimits.defaultSocketDataBytes)

    @Option(help: "Bytes kept for connection state recovery: missed packets and the sessions of disconnected sockets, oldest evicted first (env GATEWAYD_RECOVERY_BUFFER).")
    var recoveryBuffer: Int = EnvironmentDefault.value("GATEWAYD_RECOVERY_BUFFER", 64 << 20)

    @Option(help: "Milliseconds signed-in users' ws:result / ws:error payloads are kept for ws:results; 0 keeps none (env GATEWAYD_RESULT_RETENTION).")
    var resultRetention: Int = EnvironmentDefault.value("GATEWAYD_RESULT_RETENTION", 60_000)

    @Option(help: "Milliseconds past which a handler run is logged as a 'slow handler' warning (env GATEWAYD_SLOW_HANDLER_MS).")
    var slowHandlerMs: Int = EnvironmentDefault.value("GATEWAYD_SLOW_HANDLER_MS", 1000)

    @Option(help: "Events per second one socket may send on average; past it (and its burst) events are refused with RATE_LIMITED; 0 for no limit (env GATEWAYD_MAX_EVENTS_PER_SECOND).")
    var maxEventsPerSecond: Double = EnvironmentDefault.value("GATEWAYD_MAX_EVENTS_PER_SECOND", 100)
    @Option(help: "Events one socket may send at once above its rate (env GATEWAYD_EVENT_BURST).")
    var eventBurst: Int = EnvironmentDefault.value("GATEWAYD_EVENT_BURST", 200)
    @Option(help: "Milliseconds a socket may keep sending at 10 times --max-events-per-second before it is disconnected (env GATEWAYD_FLOOD_DISCONNECT_AFTER).")
    var floodDisconnectAfter: Int = EnvironmentDefault.value("GATEWAYD_FLOOD_DISCONNECT_AFTER", 10_000)

    @Flag(inversion: .prefixedNo, help: "Serve Prometheus metrics at GET /metrics (env GATEWAYD_METRICS=true|false).")
    var metrics: Bool = EnvironmentDefault.flag("GATEWAYD_METRICS", true)
    @Flag(inversion: .prefixedNo, help: "Let anyone read GET /metrics, not only who may use the admin API (env GATEWAYD_METRICS_PUBLIC=true|false).")
    var metricsPublic: Bool = EnvironmentDefault.flag("GATEWAYD_METRICS_PUBLIC", false)

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard eventLoops >= 1 else { throw ValidationError("--event-loops must be at least 1") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard queueSize >= 1 else { throw ValidationError("--queue-size must be at least 1") }
        guard maxQueuedBytes >= 1 else { throw ValidationError("--max-queued-bytes must be at least 1") }
        guard maxPendingPerSocket >= 1 else { throw ValidationError("--max-pending-per-socket must be at least 1") }
        guard shutdownGrace >= 0 else { throw ValidationError("--shutdown-grace must not be negative") }
        guard connectTimeout > 0 else { throw ValidationError("--connect-timeout must be positive") }
        guard pingInterval > 0, pingTimeout > 0 else { throw ValidationError("--ping-interval and --ping-timeout must be positive") }
        guard headerTimeout > 0 else { throw ValidationError("--header-timeout must be positive") }
        guard idleTimeout > 0 else { throw ValidationError("--idle-timeout must be positive") }
        guard maxConnections >= 0 else { throw ValidationError("--max-connections must not be negative") }
        guard bodyTimeout > 0 else { throw ValidationError("--body-timeout must be positive") }
        guard maxConnectionsPerIp >= 0 else { throw ValidationError("--max-connections-per-ip must not be negative") }
        guard maxConnectRatePerIp >= 0, maxConnectRatePerIp.isFinite else {
            throw ValidationError("--max-connect-rate-per-ip must be a number, 0 or more")
        }
        guard authExpiryGrace >= 0 else { throw ValidationError("--auth-expiry-grace must not be negative") }
        guard socketDataLimit > 0 else { throw ValidationError("--socket-data-limit must be positive") }
        guard maxPayload > 0 else { throw ValidationError("--max-payload must be positive") }
        guard maxOutboundBuffer > 0 else { throw ValidationError("--max-outbound-buffer must be positive") }
        guard maxOutboundTotal >= 0 else { throw ValidationError("--max-outbound-total must not be negative") }
        guard recoveryBuffer > 0 else { throw ValidationError("--recovery-buffer must be positive") }
        guard resultRetention >= 0 else { throw ValidationError("--result-retention must not be negative") }
        guard slowHandlerMs >= 0 else { throw ValidationError("--slow-handler-ms must not be negative") }
        guard maxEventsPerSecond >= 0, maxEventsPerSecond.isFinite else {
            throw ValidationError("--max-events-per-second must be a number, 0 or more")
        }
        guard eventBurst >= 1 else { throw ValidationError("--event-burst must be at least 1") }
        guard floodDisconnectAfter > 0 else { throw ValidationError("--flood-disconnect-after must be positive") }
        for path in path where !path.hasPrefix("/") { throw ValidationError("--path must start with '/', got '\(path)'") }
        _ = try cluster
    }

    func run() async throws {
        // Before anything starts NIO's shared event loops: their count is fixed when they are first used.
        NIOSingletons.groupLoopCountSuggestion = eventLoops
        let logger = common.bootstrapLogging()
        let configuration = try configuration(fileDescriptorLimit: FileDescriptorLimit.raiseToHardLimit())
        let metrics = self.metrics ? DaemonMetrics.bootstrap() : nil
        try await Daemon(configuration: configuration, logger: logger, metrics: metrics).run()
    }

    // Secrets have no declared default, so `--help` never prints one read from the environment.
    private var resolvedAdminToken: String? {
        (adminToken ?? EnvironmentDefault.optional("GATEWAYD_ADMIN_TOKEN")).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// This node's place in a cluster (resolved once: a random node id is the process's); nil off a cluster.
    private var cluster: ClusterSettings? {
        get throws { try clusterOptions.settings(db: common.databasePath, host: host, adminToken: resolvedAdminToken) }
    }

    /// The daemon's settings; `fileDescriptorLimit` bounds the default connection cap.
    func configuration(fileDescriptorLimit: Int) throws -> DaemonConfiguration {
        let cluster = try cluster
        var gateway = GatewaySettings(
            queueSize: queueSize, maxQueuedBytes: maxQueuedBytes, maxPendingPerSocket: maxPendingPerSocket, shutdownGrace: .milliseconds(shutdownGrace),
            socketDataBytes: socketDataLimit, authExpiryGrace: .milliseconds(authExpiryGrace),
            resultRetention: .milliseconds(resultRetention), slowHandler: .milliseconds(slowHandlerMs),
            eventRate: EventRateLimit.Policy(
                eventsPerSecond: maxEventsPerSecond > 0 ? maxEventsPerSecond : nil, burst: eventBurst,
                floodDuration: .milliseconds(floodDisconnectAfter)))
        // A cluster's database says when the config changed.
        if cluster != nil { gateway.reloadInterval = nil }
        var socketIO = SocketIOOptions()
        socketIO.engine.paths = path
        socketIO.engine.pingInterval = .milliseconds(pingInterval)
        socketIO.engine.pingTimeout = .milliseconds(pingTimeout)
        socketIO.engine.maxHttpBufferSize = maxPayload
        socketIO.engine.maxOutboundBufferBytes = maxOutboundBuffer
        socketIO.engine.maxOutboundTotalBytes = maxOutboundTotal
        socketIO.engine.maxSessionsPerSecondPerAddress = maxConnectRatePerIp > 0 ? maxConnectRatePerIp : nil
        socketIO.connectTimeout = .milliseconds(connectTimeout)
        socketIO.recoveryBufferBytes = recoveryBuffer
        socketIO.engine.cors = switch corsOrigin {
        case []: .disabled
        case _ where corsOrigin.contains("*"): CORSPolicy(origins: .any, allowCredentials: corsCredentials)
        default: CORSPolicy(origins: .list(Set(corsOrigin)), allowCredentials: corsCredentials)
        }
        return DaemonConfiguration(
            host: host, port: port, databasePath: common.databasePath, handlersFolder: handlers.handlersFolder,
            syncHandlers: sync,
            adminAccess: AdminAccess(token: resolvedAdminToken, host: host, insecureLoopback: adminInsecureLoopback),
            http: HTTPLimits(
                headerTimeout: .milliseconds(Int64(headerTimeout)), idleTimeout: .milliseconds(Int64(idleTimeout)),
                bodyTimeout: .milliseconds(Int64(bodyTimeout)),
                maxConnections: maxConnections > 0
                    ? maxConnections : HTTPLimits.defaultMaxConnections(fileDescriptorLimit: fileDescriptorLimit),
                maxConnectionsPerAddress: maxConnectionsPerIp > 0 ? maxConnectionsPerIp : nil),
            jwtSecret: jwt.resolved,
            workers: workers,
            gateway: gateway,
            socketIO: socketIO, cluster: cluster, metricsPublic: metricsPublic)
    }
}
