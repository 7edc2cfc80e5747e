import ArgumentParser
import EngineIO
import Persistence

/// Where this node stands in a cluster: `--db postgres://…` makes every node on that database one cluster.
struct ClusterOptions: ParsableArguments {
    @Option(help: "This node's id in a cluster (--db postgres://…): 1 to 32 of A-Z a-z 0-9 - _, named by its session ids; default random, kept for the life of the process (env GATEWAYD_NODE_ID).")
    var nodeId: String?
    @Option(help: "Where the other nodes of a cluster reach this one, host:port; default --host and the port bound, required with --host 0.0.0.0 or :: (env GATEWAYD_ADVERTISE_ADDRESS).")
    var advertiseAddress: String?

    // Defaults that depend on the run (random, the bound port) are not shown by `--help`.
    private var resolvedNodeID: String? { nodeId ?? EnvironmentDefault.optional("GATEWAYD_NODE_ID") }
    private var resolvedAdvertiseAddress: String? {
        advertiseAddress ?? EnvironmentDefault.optional("GATEWAYD_ADVERTISE_ADDRESS")
    }

    /// The cluster settings for a node serving `db` bound to `host`, nil off a cluster; refuses what cannot work.
    func settings(db: String, host: String, adminToken: String?) throws -> ClusterSettings? {
        guard Stores.servesCluster(db) else {
            guard resolvedNodeID == nil, resolvedAdvertiseAddress == nil else {
                throw ValidationError("--node-id and --advertise-address are for a cluster: --db postgres://…")
            }
            return nil
        }
        guard adminToken != nil else {
            throw ValidationError(
                "a cluster (--db postgres://…) needs --admin-token (GATEWAYD_ADMIN_TOKEN): behind a load balancer every admin request comes from the balancer's address")
        }
        let node = try resolvedNodeID.map { try NodeID(validating: $0) } ?? ClusterSettings.randomNodeID()
        if let text = resolvedAdvertiseAddress {
            return ClusterSettings(node: node, advertiseAddress: try PeerAddress(parsing: text))
        }
        guard !["0.0.0.0", "::", "[::]"].contains(host) else {
            throw ValidationError(
                "--host \(host) is no address another node can reach: set --advertise-address host:port (GATEWAYD_ADVERTISE_ADDRESS)")
        }
        return ClusterSettings(node: node, advertiseAddress: nil)
    }
}
