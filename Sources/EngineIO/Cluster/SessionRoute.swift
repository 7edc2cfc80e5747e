/// Where a request for a session is answered, decided from its `sid` alone (``EngineCluster/route(sid:forwardedBy:)``).
enum SessionRoute: Equatable, Sendable {
    /// Where a request for another node's session goes, and which node sends it there.
    struct Target: Equatable, Sendable {
        let owner: NodeID
        let address: PeerAddress
        /// This node, named in the forwarded request's ``EngineCluster/forwardedByHeader``.
        let forwarder: NodeID
    }

    /// Here: this node's session, no session named (a handshake), a single node, or an id no node issued (the
    /// session is then unknown here, as anywhere).
    case local
    /// Another node's, forwarded to its advertised address.
    case forward(Target)
    /// Another node's, and the directory does not know that node (never did, or it has gone): the session is unknown.
    case unknownNode(NodeID)
    /// Another node's, in a request that a node (`forwardedBy`) already forwarded here: its directory is wrong, and
    /// the session is unknown here rather than forwarded twice.
    case misdirected(NodeID, forwardedBy: String)
}
