/// How often a node of a cluster says it is alive, and how long the others wait before dropping one that stopped.
public struct ClusterTiming: Sendable {
    public var heartbeatInterval: Duration
    public var nodeExpiry: Duration
    /// How long bus attachments are kept: a receiver reads its message's within moments.
    public var attachmentRetention: Duration

    public init(heartbeatInterval: Duration = .seconds(5), nodeExpiry: Duration = .seconds(10), attachmentRetention: Duration = .seconds(60)) {
        self.heartbeatInterval = heartbeatInterval
        self.nodeExpiry = nodeExpiry
        self.attachmentRetention = attachmentRetention
    }
}
