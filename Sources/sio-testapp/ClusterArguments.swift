import ArgumentParser
import EngineIO

/// Two or more test apps that forward each other's sessions: `--node-id`, `--advertise-address`, `--peer id=host:port`.
struct ClusterArguments: ParsableArguments {
    @Option(
        help: "This node's id (A-Z a-z 0-9 - _, up to 32 characters): its session ids name it, and requests for the other nodes' sessions go to them.",
        transform: { try NodeID(validating: $0) })
    var nodeId: NodeID?

    @Option(help: "Where the other nodes reach this one, host:port (default --host:--port).",
            transform: { try PeerAddress(parsing: $0) })
    var advertiseAddress: PeerAddress?

    @Option(name: .customLong("peer"), help: "Another node, id=host:port (repeatable).", transform: Self.peer)
    var peers: [Peer] = []

    struct Peer {
        let node: NodeID
        let address: PeerAddress
    }

    static func peer(_ text: String) throws -> Peer {
        guard let equals = text.firstIndex(of: "=") else { throw ValidationError("--peer takes id=host:port, not \(text)") }
        return Peer(
            node: try NodeID(validating: String(text[..<equals])),
            address: try PeerAddress(parsing: String(text[text.index(after: equals)...])))
    }

    func validate() throws {
        guard nodeId == nil, advertiseAddress != nil || !peers.isEmpty else { return }
        throw ValidationError("--advertise-address and --peer need --node-id")
    }

    /// The cluster these arguments describe, this node included in its directory; nil without `--node-id`.
    func cluster(host: String, port: Int) throws -> EngineCluster? {
        guard let nodeId else { return nil }
        let advertised: PeerAddress
        do {
            advertised = try advertiseAddress ?? PeerAddress(host: host, port: port)
        } catch {
            throw ValidationError("--node-id needs --advertise-address or a --port other than 0")
        }
        var addresses = [nodeId: advertised]
        for peer in peers {
            guard addresses.updateValue(peer.address, forKey: peer.node) == nil else {
                throw ValidationError("node \(peer.node) is named twice (--node-id, --peer)")
            }
        }
        return EngineCluster(node: nodeId, peers: StaticPeerDirectory(addresses))
    }
}
