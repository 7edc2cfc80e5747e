/// A cluster whose nodes are listed once, when the process starts.
public struct StaticPeerDirectory: PeerDirectory {
    public let addresses: [NodeID: PeerAddress]

    public init(_ addresses: [NodeID: PeerAddress]) {
        self.addresses = addresses
    }

    public func address(of node: NodeID) -> PeerAddress? {
        addresses[node]
    }
}
