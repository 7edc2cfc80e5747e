import EngineIO
import Persistence

/// The peer directory of a cluster: the registry's live nodes and the addresses they advertise, from memory.
struct RegistryPeerDirectory: PeerDirectory {
    let registry: any NodeRegistry

    func address(of node: NodeID) -> PeerAddress? {
        registry.node(node.rawValue).flatMap { try? PeerAddress(parsing: $0.address) }
    }
}
