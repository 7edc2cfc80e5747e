import Persistence

/// The cluster a node serves in, as the admin API reports it (`/healthz`, `GET /admin/cluster`).
public struct AdminCluster: Sendable {
    public let node: String
    public let backplane: any Backplane

    public init(node: String, backplane: any Backplane) {
        self.node = node
        self.backplane = backplane
    }
}
