import AdminHTTP
import Gateway
import NIOCore
import Logging
import EngineIO
import SocketIO

/// Everything `gatewayd serve` runs with, resolved from defaults, `GATEWAYD_*` variables and the command line.
///
/// The components the daemon builds (and the Gateway service that turns stored gateways into namespaces)
/// read their settings from here rather than from the command.
struct DaemonConfiguration: Sendable {
    var host: String
    var port: Int
    var databasePath: String
    var handlersFolder: String
    /// Sync `handlersFolder` into the database before serving (skipped, with a log line, when it is absent).
    var syncHandlers: Bool
    /// Who may use the admin API: its token, or the tokenless loopback rules.
    var adminAccess: AdminAccess
    /// Connection limits of the HTTP server in front of everything.
    var http: HTTPLimits
    /// The HMAC secret for users' JWTs; at least `GatewayAuthenticator.minimumSecretBytes` long when set.
    var jwtSecret: String?
    /// Lua worker threads.
    var workers: Int
    /// Queue size, per-socket pending limit and shutdown grace of the gateway runtime.
    var gateway: GatewaySettings
    var socketIO: SocketIOOptions
    /// This node's place in a cluster: set when the database is one several nodes share.
    var cluster: ClusterSettings?
    /// `GET /metrics` answers anyone, not only who may use the admin API.
    var metricsPublic = false
}
