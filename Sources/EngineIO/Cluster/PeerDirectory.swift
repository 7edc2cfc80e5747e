/// Where the nodes of a cluster listen for forwarded requests, by node id: a fixed list (``StaticPeerDirectory``) or
/// a live registry of the nodes.
public protocol PeerDirectory: Sendable {
    /// `node`'s advertised address; nil when the node is not known (never was, or has gone). Asked on an event loop
    /// for every request that names another node's session: it answers from memory, at once.
    func address(of node: NodeID) -> PeerAddress?
}
