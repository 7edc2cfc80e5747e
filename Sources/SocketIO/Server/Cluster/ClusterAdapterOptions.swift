/// The timing of a ``ClusterAdapter``, with socket.io's defaults.
public struct ClusterAdapterOptions: Sendable {
    /// How often a node says it is alive.
    public var heartbeatInterval: Duration
    /// How long a node may stay silent before the others drop it: its answers are no longer waited for. Checked ten
    /// times per timeout (every second by default, as socket.io does).
    public var heartbeatTimeout: Duration
    /// How long a request (``Adapter/fetchSockets(_:)``, ``Adapter/sockets(_:)``, ``Adapter/roomSize(_:)``,
    /// ``Adapter/broadcastCounting(_:options:)``) waits for the other nodes' answers.
    public var requestTimeout: Duration
    /// How long a starting node waits to hear of another before asking for their packet logs
    /// (``ClusterAdapter/recoveryLogs()``): each answers its INITIAL_HEARTBEAT at once, so this bounds only the wait of
    /// a node that is alone.
    public var peerDiscovery: Duration

    public init(heartbeatInterval: Duration = .seconds(5), heartbeatTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(5),
                peerDiscovery: Duration = .seconds(1)) {
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
        self.requestTimeout = requestTimeout
        self.peerDiscovery = peerDiscovery
    }
}
