import Logging
import NIOEmbedded

@testable import SocketIO

/// Nodes `a`, `b`, `c`…: one ``SocketIOServer`` each, whose namespace `/chat` has a ``ClusterAdapter`` over one
/// ``InProcessBus``. Their timers share a ``NIOAsyncTestingEventLoop``, whose clock moves only when a test advances
/// it: heartbeats, silence and timeouts happen when a test says so, however slow the machine.
struct TestCluster {
    static let namespace = "/chat"

    let bus = InProcessBus()
    let clock = NIOAsyncTestingEventLoop()
    let servers: [SocketIOServer]

    /// Returns once every node knows the others.
    init(nodes: Int = 3, options: ClusterAdapterOptions = ClusterAdapterOptions()) async {
        let names = ["a", "b", "c", "d", "e"].prefix(nodes)
        let (bus, clock) = (bus, clock)
        // Nodes joining at every test's start are no news; timeouts and silent nodes are.
        var logger = Logger(label: "test.cluster")
        logger.logLevel = .warning
        servers = names.map { [logger] node in
            let server = SocketIOServer { namespace in
                ClusterAdapter(
                    namespace: namespace, node: node, transport: bus.transport(for: node), options: options, eventLoop: clock,
                    logger: logger)
            }
            server.of(Self.namespace)
            return server
        }
        await bus.idle()
    }

    func namespace(_ node: Int) -> Namespace { servers[node].of(Self.namespace) }

    func adapter(_ node: Int) -> ClusterAdapter {
        guard let adapter = namespace(node).adapter as? ClusterAdapter else { preconditionFailure("a cluster node") }
        return adapter
    }

    /// A socket of `/chat` on `node`, in `rooms`.
    func connect(to node: Int, rooms: Set<String> = []) -> TestSocket {
        TestSocket(namespace: namespace(node), server: servers[node], rooms: rooms)
    }
}
