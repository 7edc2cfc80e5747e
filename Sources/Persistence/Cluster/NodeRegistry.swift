/// The live nodes of a cluster, as its database records them: each node writes its row every
/// ``ClusterTiming/heartbeatInterval``, and one silent for ``ClusterTiming/nodeExpiry`` drops out.
///
/// Reads answer from memory (the view of the last heartbeat), so they may be asked on an event loop for every request.
public protocol NodeRegistry: Sendable {
    /// The live nodes, this one included, ordered by id.
    var nodes: [ClusterNode] { get }
    /// The node with this id, if it is alive.
    func node(_ id: String) -> ClusterNode?
}
