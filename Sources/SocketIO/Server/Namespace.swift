import JSONCore
import Synchronization

/// A Socket.IO namespace (`/`, `/chat`, …): its middleware, its connection handler, its sockets, and the adapter
/// that holds its rooms and delivers everything it emits.
public final class Namespace: Sendable {
    public typealias Middleware = @Sendable (Socket) async throws -> Void
    public typealias ConnectionHandler = @Sendable (Socket) async -> Void
    /// Hears another node's ``serverSideEmit(_:args:)``; what it returns is this node's answer to
    /// ``serverSideEmitWithAck(_:args:timeout:)``.
    public typealias ServerSideListener = @Sendable (_ event: String, _ args: [JSONValue]) async -> [JSONValue]

    private struct State {
        var middlewares: [Middleware] = []
        var connectionHandler: ConnectionHandler?
        var serverSideListener: ServerSideListener?
        var sockets: [String: Socket] = [:]
    }

    public let name: String
    public let adapter: any Adapter
    private let state = Mutex(State())

    init(name: String, adapter: any Adapter) {
        self.name = name
        self.adapter = adapter
    }

    /// Adds a middleware, run in order for every connecting socket before its CONNECT is answered.
    /// Throwing ``ConnectionRefusal`` refuses the connection with that message and data; any other
    /// error refuses it with the error's description.
    public func use(_ middleware: @escaping Middleware) {
        state.withLock { $0.middlewares.append(middleware) }
    }

    /// Runs for every socket once its CONNECT was answered; events wait until it returns.
    public func onConnection(_ handler: @escaping ConnectionHandler) {
        state.withLock { $0.connectionHandler = handler }
    }

    public var sockets: [Socket] { state.withLock { Array($0.sockets.values) } }

    // MARK: Emitting

    /// Every socket of the namespace, to emit to or narrow down.
    public var all: BroadcastOperator { BroadcastOperator(namespace: self) }

    /// Emits to every socket of the namespace; returns how many it reached on this node.
    @discardableResult
    public func emit(_ event: String, args: [JSONValue]) -> Int {
        all.emit(event, args: args)
    }

    public func to(_ room: String) -> BroadcastOperator {
        BroadcastOperator(namespace: self).to(room)
    }

    public func except(_ room: String) -> BroadcastOperator {
        BroadcastOperator(namespace: self).except(room)
    }

    /// Disconnects every socket of the namespace, on every node (reason `server namespace disconnect` on both sides).
    public func disconnectSockets(close: Bool = false) {
        all.disconnectSockets(close: close)
    }

    // MARK: Other nodes

    /// Sends an event to this namespace on the other nodes of a cluster (not to any socket), through the adapter.
    public func serverSideEmit(_ event: String, args: [JSONValue]) {
        adapter.serverSideEmit(event, args: args)
    }

    /// Like ``serverSideEmit(_:args:)``, and waits at most `timeout` for the other nodes' answers.
    public func serverSideEmitWithAck(_ event: String, args: [JSONValue], timeout: Duration) async -> [[JSONValue]] {
        await adapter.serverSideEmitWithAck(event, args: args, timeout: timeout)
    }

    /// Sets what hears the other nodes' server-side events.
    public func onServerSideEmit(_ listener: @escaping ServerSideListener) {
        state.withLock { $0.serverSideListener = listener }
    }

    /// What an adapter calls when another node's server-side event arrives: the listener's answer, or nil when this
    /// node has no listener (it gives no answer).
    public func receiveServerSideEmit(_ event: String, args: [JSONValue]) async -> [JSONValue]? {
        guard let listener = state.withLock({ $0.serverSideListener }) else { return nil }
        return await listener(event, args)
    }

    // MARK: Membership (used by the client)

    /// Runs the middleware chain; the refusal to send, if any.
    func admit(_ socket: Socket) async -> ConnectionRefusal? {
        let middlewares = state.withLock { $0.middlewares }
        for middleware in middlewares {
            do {
                try await middleware(socket)
            } catch let refusal as ConnectionRefusal {
                return refusal
            } catch {
                return ConnectionRefusal(message: String(describing: error))
            }
        }
        return nil
    }

    func add(_ socket: Socket) {
        state.withLock { $0.sockets[socket.id] = socket }
        adapter.addAll(socket, rooms: [socket.id])
    }

    var connectionHandler: ConnectionHandler? { state.withLock { $0.connectionHandler } }

    func remove(_ socket: Socket) {
        state.withLock { _ = $0.sockets.removeValue(forKey: socket.id) }
        adapter.delAll(socket)
    }
}
