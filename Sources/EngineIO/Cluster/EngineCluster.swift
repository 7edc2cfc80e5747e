/// This node's place in a cluster: the id every session id it issues starts with, and where the other nodes are.
///
/// With it, a load balancer needs no sticky sessions: a request for another node's session (a poll, a POST, a
/// WebSocket upgrade) is forwarded to that node, which answers it (``PollingRelay``, ``UpgradeRelayHandler``).
public struct EngineCluster: Sendable {
    public var node: NodeID
    public var peers: any PeerDirectory

    public init(node: NodeID, peers: any PeerDirectory) {
        self.node = node
        self.peers = peers
    }

    /// The header a forwarded request carries, naming the node that forwarded it. A request that has it is answered
    /// where it arrives, never forwarded again: a directory that is wrong cannot make requests go round in circles.
    static let forwardedByHeader = "X-Gatewayd-Forwarded-By"

    /// Where a request naming session `sid` (nil: none, a handshake) is answered. Only a session id that names another
    /// node costs more than finding its `~`.
    func route(sid: String?, forwardedBy: @autoclosure () -> String?) -> SessionRoute {
        guard let sid, let named = SessionID.node(of: sid), !named.utf8.elementsEqual(node.rawValue.utf8),
              let owner = NodeID(named)
        else { return .local }
        if let forwardedBy = forwardedBy() { return .misdirected(owner, forwardedBy: forwardedBy) }
        guard let address = peers.address(of: owner) else { return .unknownNode(owner) }
        return .forward(SessionRoute.Target(owner: owner, address: address, forwarder: node))
    }
}
