/// A live node of a cluster as the registry knows it.
public struct ClusterNode: Sendable, Equatable, Encodable {
    public var id: String
    /// Where the node takes the requests other nodes forward to it (`host:port`).
    public var address: String
    /// ISO 8601, the database server's clock.
    public var startedAt: String
    public var lastHeartbeat: String
    /// Its connected sockets at its last heartbeat.
    public var sockets: Int

    public init(id: String, address: String, startedAt: String, lastHeartbeat: String, sockets: Int) {
        self.id = id
        self.address = address
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
        self.sockets = sockets
    }
}
