import Hummingbird
import Persistence

/// `GET /admin/cluster`: the live nodes, from the registry, with their socket counts at their last heartbeat.
extension AdminAPI {
    struct ClusterReport: Encodable {
        var node: String
        var nodes: [ClusterNode]
    }

    func installClusterRoute<Context: RequestContext>(on admin: RouterGroup<Context>) {
        admin.get("cluster") { _, _ in
            guard let cluster else { throw AdminError.notFound("this node is not in a cluster (--db is not a postgres:// URL)") }
            return JSONResponse(ClusterReport(node: cluster.node, nodes: cluster.backplane.registry.nodes))
        }
    }
}
