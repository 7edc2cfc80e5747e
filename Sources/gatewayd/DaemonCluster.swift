import EngineIO
import Logging
import Persistence
import SocketIO

/// A node's part in a cluster: its settings, the database's backplane, and the cluster adapters' transport on it.
struct DaemonCluster: Sendable {
    let settings: ClusterSettings
    let backplane: any Backplane
    let transport: BusClusterTransport

    /// Listens on `store`'s database for the cluster's messages and config changes; the node joins the registry once
    /// it serves (``join(host:port:sockets:logger:)``).
    static func open(_ settings: ClusterSettings, store: any ConfigStore, logger: Logger) async throws -> DaemonCluster {
        let node = settings.node.rawValue
        guard let backplane = try await Stores.openBackplane(for: store, node: node, logger: logger) else {
            preconditionFailure("a cluster's database has a backplane")
        }
        do {
            let transport = try await BusClusterTransport(bus: backplane.bus, node: node, logger: logger)
            logger.info("serving in a cluster", metadata: ["node": "\(node)"])
            return DaemonCluster(settings: settings, backplane: backplane, transport: transport)
        } catch {
            await backplane.close()
            throw error
        }
    }

    /// The Socket.IO server of a cluster's node: every namespace's adapter a `ClusterAdapter`, requests for another
    /// node's session forwarded to the address the registry gives it, and the sessions kept for recovery in the
    /// cluster's database.
    func socketIOServer(options: SocketIOOptions, logger: Logger) -> SocketIOServer {
        var options = options
        options.engine.cluster = EngineCluster(node: settings.node, peers: RegistryPeerDirectory(registry: backplane.registry))
        let (node, transport) = (settings.node.rawValue, transport)
        let sessions = ClusterSessionStore(
            maxBytes: options.recoveryBufferBytes, node: node, table: BackplaneSessionTable(table: backplane.recoverySessions), logger: logger)
        return SocketIOServer(options: options, logger: logger, makeAdapter: { namespace in
            ClusterAdapter(namespace: namespace, node: node, transport: transport, logger: logger)
        }, sessions: sessions)
    }

    /// Enters the registry at the advertised address (`host` and `port` by default), with the node's socket count.
    func join(host: String, port: Int, sockets: @escaping @Sendable () -> Int, logger: Logger) async {
        do {
            let address = try settings.address(host: host, port: port)
            await backplane.join(address: address.description, sockets: sockets)
            logger.info("joined the cluster", metadata: ["node": "\(settings.node)", "address": "\(address)"])
        } catch {
            logger.error("not joining the cluster: no address to advertise", metadata: ["error": "\(error)"])
        }
    }
}
