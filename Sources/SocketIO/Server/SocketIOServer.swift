import EngineIO
import Hummingbird
import HummingbirdCore
import JSONCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A Socket.IO server: namespaces over an Engine.IO server. Mount it on a Hummingbird application with
/// ``installRoutes(on:)`` (long-polling on the application's router) and ``httpServer(limits:)`` (the server that
/// carries the WebSocket upgrade).
///
/// Namespaces exist because they were registered with ``of(_:)``; each gets its adapter from `makeAdapter`
/// (an ``InMemoryAdapter`` unless the application serves a cluster).
public final class SocketIOServer: Sendable {
    public typealias AdapterFactory = @Sendable (_ namespace: String) -> any Adapter

    public let options: SocketIOOptions
    let engine: EngineServer
    private let namespaces = Mutex<[String: Namespace]>([:])
    private let makeAdapter: AdapterFactory
    /// Where the namespaces with recovery on keep their packet logs and disconnected sessions (by default in memory,
    /// within ``SocketIOOptions/recoveryBufferBytes``).
    public let sessions: any SessionStore

    public init(options: SocketIOOptions = SocketIOOptions(), logger: Logger = Logger(label: "socketio"),
                eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                makeAdapter: @escaping AdapterFactory = { _ in InMemoryAdapter() },
                sessions: (any SessionStore)? = nil) {
        self.options = options
        self.makeAdapter = makeAdapter
        self.sessions = sessions ?? InMemorySessionStore(maxBytes: options.recoveryBufferBytes)
        let delegateFactory = DelegateFactory()
        self.engine = EngineServer(options: options.engine, logger: logger, eventLoops: eventLoops) { session in
            delegateFactory.make(session)
        }
        delegateFactory.server.withLock { $0 = self }
    }

    /// The namespace called `name`, created (and its adapter started) if it does not exist yet.
    @discardableResult
    public func of(_ name: String) -> Namespace {
        let (namespace, created) = namespaces.withLock { namespaces in
            if let existing = namespaces[name] { return (existing, false) }
            let namespace = Namespace(name: name, adapter: makeAdapter(name), sessions: sessions)
            namespaces[name] = namespace
            return (namespace, true)
        }
        // Outside the lock: a cluster adapter publishes as it starts.
        if created { namespace.adapter.start(for: namespace) }
        return namespace
    }

    /// Removes a namespace from this node: its sockets here are disconnected with `server namespace disconnect`, then
    /// its adapter is closed.
    public func removeNamespace(_ name: String) {
        guard let removed = namespaces.withLock({ $0.removeValue(forKey: name) }) else { return }
        for socket in removed.sockets { socket.disconnect() }
        removed.adapter.close()
    }

    /// Closes every connection (reason `server shutting down`); clients will try to reconnect. Returns once every
    /// socket has left.
    public func closeAllConnections() async {
        await engine.closeAll()
    }

    /// Closes every namespace's adapter, as a server that stops does last: a cluster adapter tells the other nodes
    /// (ADAPTER_CLOSE) rather than leaving them to notice its silence.
    public func closeAdapters() {
        for namespace in namespaces.withLock({ Array($0.values) }) { namespace.adapter.close() }
    }

    /// Has every namespace with recovery on take in what the other nodes' logs hold of it: once, as a cluster's node
    /// starts, before it serves.
    public func catchUpRecoveryLogs() async {
        await withDiscardingTaskGroup { group in
            for namespace in namespaces.withLock({ Array($0.values) }) {
                group.addTask { await namespace.catchUpRecoveryLog() }
            }
        }
    }

    func namespace(named name: String) -> Namespace? {
        namespaces.withLock { $0[name] }
    }
}

/// Breaks the init-time cycle between the server and the Engine.IO server that calls back into it.
private final class DelegateFactory: Sendable {
    let server = Mutex<SocketIOServer?>(nil)

    func make(_ session: EngineSession) -> any EngineSessionDelegate {
        guard let server = server.withLock({ $0 }) else { preconditionFailure("Socket.IO server not initialised") }
        let client = Client(session: session, server: server)
        client.start()
        return client
    }
}

extension SocketIOServer {
    /// Serves long-polling (and CORS preflights) under ``SocketIOOptions/path`` on an HTTP router.
    public func installRoutes<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        engine.installRoutes(on: router)
    }

    /// The HTTP server to run the application's router on: HTTP/1 with WebSocket upgrades under
    /// ``SocketIOOptions/path``, under `limits`.
    public func httpServer(limits: HTTPLimits = HTTPLimits()) -> HTTPServerBuilder {
        .engineIO(engine, limits: limits)
    }
}
