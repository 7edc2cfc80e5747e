import EngineIO

/// This node's identity in a cluster, resolved from `ClusterOptions`.
struct ClusterSettings: Sendable {
    var node: NodeID
    /// Where the other nodes reach this one; nil: `--host` and the port bound.
    var advertiseAddress: PeerAddress?

    /// `node-` and 8 random letters and digits.
    static func randomNodeID() -> NodeID {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String((0..<8).map { _ in alphabet.randomElement()! })
        return try! NodeID(validating: "node-\(suffix)")  // 13 characters of the allowed ones
    }

    /// The address to advertise for a node bound to `host`, on `port`.
    func address(host: String, port: Int) throws -> PeerAddress {
        try advertiseAddress ?? PeerAddress(host: host, port: port)
    }
}
