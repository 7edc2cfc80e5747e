import Hummingbird

/// `GET /healthz`, for load balancers and supervisors: no token, 200 while the database answers, 503 when not. In a
/// cluster it names the node, counts the live nodes and says whether the node's last heartbeat reached the database.
extension AdminAPI {
    struct Health: Encodable {
        var status: String
        var version: String
        var database: String
        var node: String?
        var cluster: ClusterHealth?
    }

    struct ClusterHealth: Encodable {
        var nodes: Int
        var database: String
    }

    func health() async -> JSONResponse<Health> {
        let clusterHealth = cluster.map {
            ClusterHealth(nodes: $0.backplane.registry.nodes.count, database: $0.backplane.isConnected ? "ok" : "error")
        }
        do {
            _ = try await store.revision()
            return JSONResponse(Health(status: "ok", version: version, database: "ok", node: cluster?.node, cluster: clusterHealth))
        } catch {
            logger.error("health check: the database does not answer", metadata: ["error": "\(error)"])
            return JSONResponse(
                Health(status: "unavailable", version: version, database: "error", node: cluster?.node, cluster: clusterHealth),
                status: .serviceUnavailable)
        }
    }
}
