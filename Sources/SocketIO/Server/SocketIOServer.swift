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
/// Namespaces exist because they were registered with ``of(_:)``, or because a dynamic matcher
/// accepted a name when a client first asked for it.
public final class SocketIOServer: Sendable {
    public typealias NamespaceMatcher = @Sendable (String) -> Bool
    public typealias NamespaceConfigurator = @Sendable (Namespace) -> Void

    private struct DynamicNamespaces: Sendable {
        var matches: NamespaceMatcher
        var configure: NamespaceConfigurator
    }

    private struct State {
        var namespaces: [String: Namespace] = [:]
        var dynamic: [DynamicNamespaces] = []
    }

    public let options: SocketIOOptions
    let engine: EngineServer
    private let state = Mutex(State())

    public init(options: SocketIOOptions = SocketIOOptions(), logger: Logger = Logger(label: "socketio"),
                eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.options = options
        let delegateFactory = DelegateFactory()
        self.engine = EngineServer(options: options, logger: logger, eventLoops: eventLoops) { session in
            delegateFactory.make(session)
        }
        delegateFactory.server.withLock { $0 = self }
    }

    /// The namespace called `name`, created if it does not exist yet.
    @discardableResult
    public func of(_ name: String) -> Namespace {
        state.withLock { state in
            if let existing = state.namespaces[name] { return existing }
            let namespace = Namespace(name: name)
            state.namespaces[name] = namespace
            return namespace
        }
    }

    /// Accepts, on first request, any namespace whose name `matches`, configured by `configure`.
    public func addDynamicNamespaces(matching matches: @escaping NamespaceMatcher, configure: @escaping NamespaceConfigurator) {
        state.withLock { $0.dynamic.append(DynamicNamespaces(matches: matches, configure: configure)) }
    }

    /// Removes a namespace; its sockets are disconnected with `server namespace disconnect`.
    public func removeNamespace(_ name: String) {
        let removed = state.withLock { $0.namespaces.removeValue(forKey: name) }
        removed?.disconnectSockets()
    }

    public var namespaceNames: [String] { state.withLock { Array($0.namespaces.keys) } }

    /// The number of open Engine.IO sessions.
    public var connectionCount: Int { engine.sessionCount }

    /// Closes every connection (reason `server shutting down`); clients will try to reconnect.
    public func closeAllConnections() {
        engine.closeAll()
    }

    func namespace(named name: String) -> Namespace? {
        let (existing, dynamic) = state.withLock { ($0.namespaces[name], $0.dynamic) }
        if let existing { return existing }
        guard let match = dynamic.first(where: { $0.matches(name) }) else { return nil }
        let (namespace, created) = state.withLock { state -> (Namespace, Bool) in
            if let raced = state.namespaces[name] { return (raced, false) }
            let namespace = Namespace(name: name)
            state.namespaces[name] = namespace
            return (namespace, true)
        }
        if created { match.configure(namespace) }
        return namespace
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
