import HummingbirdCore
import Logging
import NIOCore

/// Limits on the HTTP connections in front of Engine.IO and the admin API, against clients that connect and never
/// finish: a silent connection, a request head trickled a byte at a time (slowloris), a keep-alive connection left open.
///
/// WebSocket connections and held long-polls are not HTTP-idle: they keep Engine.IO's heartbeat rules.
public struct HTTPLimits: Sendable {
    /// How long a client has to send a whole request head, from its first byte (or from accepting the connection).
    public var headerTimeout: TimeAmount
    /// How long a keep-alive connection with no request in flight stays open.
    public var idleTimeout: TimeAmount
    /// How long a request body may take to arrive, from its head: a body trickled in a byte at a time is cut here.
    public var bodyTimeout: TimeAmount
    /// Open connections one client address may have; past it new ones are answered `429`. nil for no cap.
    public var maxConnectionsPerAddress: Int?

    /// Open connections past which no more are accepted (they wait in the listen backlog); nil for no cap. Keep it
    /// below the file-descriptor limit, see ``defaultMaxConnections(fileDescriptorLimit:)``.
    public var maxConnections: Int?

    public init(
        headerTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(60), bodyTimeout: TimeAmount = .seconds(30),
        maxConnections: Int? = nil, maxConnectionsPerAddress: Int? = nil
    ) {
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
    }

    /// The connection cap that leaves a tenth of the descriptors (32 to 256) to everything else the process opens:
    /// its database, log files, outgoing connections.
    public static func defaultMaxConnections(fileDescriptorLimit: Int) -> Int {
        max(1, fileDescriptorLimit - min(256, max(32, fileDescriptorLimit / 10)))
    }

    /// What the application's server configuration takes as `availableConnectionsDelegate`.
    public func connectionCap(logger: Logger) -> (any AvailableConnectionsDelegate)? {
        maxConnections.map { ConnectionCap(maximum: $0, logger: logger) }
    }
}
