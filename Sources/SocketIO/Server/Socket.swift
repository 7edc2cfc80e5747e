import EngineIO
import JSONCore
import NIOCore
import Synchronization

/// One client's membership of one namespace: what handlers receive events from and emit to.
///
/// A client connected to three namespaces has three sockets over one Engine.IO session. The socket's
/// id is its own random id, distinct from the Engine.IO session id (which is a polling credential).
public final class Socket: Sendable {
    /// Called synchronously, in the order the client sent its events: it must return quickly.
    public typealias EventHandler = @Sendable (SocketEvent) -> Void
    public typealias DisconnectHandler = @Sendable (DisconnectReason) -> Void

    /// Thrown by ``emitWithAck(_:_:timeout:)`` when the client did not answer in time or left.
    public struct AckTimeout: Error, Sendable {}

    private struct State {
        var isConnected = true
        var handlers: [String: EventHandler] = [:]
        var anyHandler: EventHandler?
        var disconnectHandlers: [DisconnectHandler] = []
        var nextAckId = 0
        var pendingAcks: [Int: CheckedContinuation<[JSONValue], any Error>] = [:]
        var data: JSONValue = .null
        /// The session was kept for recovery when the socket left (under this disconnection's name), and has not
        /// expired yet.
        var awaitsRecovery: String?
        /// With recovery on: the session log's head when the socket joined each room, so that a recovery replays a
        /// room's packets only from then on.
        var joined: [String: RecoveryPosition] = [:]
    }

    public let id: String
    public let namespace: Namespace
    public let handshake: Handshake
    let client: Client
    /// The private session id a client recovers with (socket.io's `pid`): set when the namespace has recovery on.
    public let pid: String?
    /// Whether this socket is a recovered one (socket.io's `socket.recovered`): its id, rooms and data are its
    /// previous connection's, and it received what it missed.
    public let recovered: Bool
    /// The session log's head when the socket connected: where a client that got no packet resumes.
    let recoveryStart: RecoveryPosition
    /// Names this connection's session in the store (with recovery on): its state tracked while it is connected, and
    /// what it keeps when it leaves.
    let disconnection: String
    private let state = Mutex(State())

    init(id: String, namespace: Namespace, handshake: Handshake, client: Client, recovering session: PersistedSession? = nil) {
        self.namespace = namespace
        self.handshake = handshake
        self.client = client
        if let session {
            self.id = session.id
            self.pid = session.pid
            self.recovered = true
            self.recoveryStart = session.start
            self.disconnection = SessionID.make()
            self.state.withLock { state in
                state.data = session.data
                state.joined = session.joined
            }
        } else {
            self.id = id
            self.pid = namespace.recovery == nil ? nil : SessionID.make()
            self.recovered = false
            self.recoveryStart = namespace.recovery == nil ? RecoveryPosition() : namespace.sessions.head(in: namespace.name)
            self.disconnection = namespace.recovery == nil ? "" : SessionID.make()
        }
    }

    public var isConnected: Bool { state.withLock { $0.isConnected } }

    /// socket.io's `socket.data`: what the application keeps about the socket, shown to every node by
    /// ``Adapter/fetchSockets(_:)``.
    public var data: JSONValue {
        get { state.withLock { $0.data } }
        set {
            guard isTracked else { return state.withLock { $0.data = newValue } }
            // Handlers may store the same data run after run: only a change is written.
            let changed = state.withLock { state in
                defer { state.data = newValue }
                return state.data != newValue
            }
            if changed { track() }
        }
    }

    /// The Engine.IO session id of the connection carrying this socket.
    public var engineSessionID: String { client.session.id }

    /// The transport carrying this socket now: `polling` or `websocket`.
    public var transport: String { client.session.transport.rawValue }

    /// The event loop of the connection carrying this socket: where timers about it belong (a cancelled NIO
    /// timer is freed at once, a cancelled `Task.sleep` only at its deadline).
    public var eventLoop: any EventLoop { client.session.eventLoop }

    // MARK: Handlers

    /// Handles events named `event`, in the order the client sent them.
    public func on(_ event: String, _ handler: @escaping EventHandler) {
        state.withLock { $0.handlers[event] = handler }
    }

    /// Handles every event that has no handler of its own.
    public func onAny(_ handler: @escaping EventHandler) {
        state.withLock { $0.anyHandler = handler }
    }

    public func onDisconnect(_ handler: @escaping DisconnectHandler) {
        let alreadyGone = state.withLock { state in
            if state.isConnected { state.disconnectHandlers.append(handler) }
            return !state.isConnected
        }
        if alreadyGone { handler(.transportClose) }
    }

    /// Hands an event to its handler at once, on the thread that routed the client's packet. A handler that has work to
    /// do queues it (the gateways' job queue) or starts a task; one that awaits in place would hold up nothing, as the
    /// client's next packet is routed independently.
    func receive(_ event: SocketEvent) {
        let handler = state.withLock { state in
            state.isConnected ? state.handlers[event.name] ?? state.anyHandler : nil
        }
        handler?(event)
    }

    // MARK: Emitting

    public func emit(_ event: String, _ args: JSONValue...) {
        emit(event, args: args)
    }

    /// Emits to this socket, through the namespace's adapter (as every emit goes) to the room named by its id.
    public func emit(_ event: String, args: [JSONValue]) {
        emit(SocketIOPacket(.event, namespace: namespace.name, data: .array([.string(event)] + args)))
    }

    /// socket.io's `socket.volatile.emit`: dropped, not queued, when the client cannot take it now (a WebSocket whose
    /// buffer is full, a polling client with no request waiting).
    public func emitVolatile(_ event: String, args: [JSONValue]) {
        emit(SocketIOPacket(.event, namespace: namespace.name, data: .array([.string(event)] + args)), volatile: true)
    }

    /// Through the namespace, so that with recovery on it is recorded — also while the socket is gone and its session
    /// awaits a recovery. Local (the socket is on this node, a cluster adapter has nobody else to tell) unless it is
    /// recorded: then every node records it, for the client to recover through whichever node it comes back to.
    private func emit(_ packet: SocketIOPacket, volatile: Bool = false) {
        let recorded = namespace.recovery != nil && !volatile && packet.ackId == nil
        namespace.broadcast(packet, options: BroadcastOptions(rooms: [id], flags: BroadcastFlags(volatile: volatile, local: !recorded)))
    }

    /// Emits and waits for the client's acknowledgement.
    public func emitWithAck(_ event: String, _ args: [JSONValue], timeout: Duration) async throws -> [JSONValue] {
        let ackId: Int? = state.withLock { state in
            guard state.isConnected else { return nil }
            defer { state.nextAckId += 1 }
            return state.nextAckId
        }
        guard let ackId else { throw AckTimeout() }
        let timer = eventLoop.scheduleTask(in: .init(timeout)) {
            self.resolveAck(ackId, with: .failure(AckTimeout()))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let registered = state.withLock { state in
                guard state.isConnected else { return false }
                state.pendingAcks[ackId] = continuation
                return true
            }
            guard registered else {
                continuation.resume(throwing: AckTimeout())
                return
            }
            emit(SocketIOPacket(.event, namespace: namespace.name, data: .array([.string(event)] + args), ackId: ackId))
        }
    }

    func resolveAck(_ id: Int, with result: Result<[JSONValue], any Error>) {
        let continuation = state.withLock { $0.pendingAcks.removeValue(forKey: id) }
        continuation?.resume(with: result)
    }

    /// Straight to the client, not through the adapter: acks and the namespace's DISCONNECT answer one connection.
    func sendPacket(_ packet: SocketIOPacket) {
        client.send(packet)
    }

    /// Everyone in `room` of this namespace except this socket.
    public func to(_ room: String) -> BroadcastOperator {
        BroadcastOperator(namespace: namespace).to(room).except(id)
    }

    /// Everyone in this namespace except this socket.
    public var broadcast: BroadcastOperator {
        BroadcastOperator(namespace: namespace).except(id)
    }

    // MARK: Rooms

    /// Joins `room`; does nothing once the socket has left (the adapter knows it no more).
    public func join(_ room: String) {
        if pid != nil {
            let head = namespace.sessions.head(in: namespace.name)
            state.withLock { state in if state.joined[room] == nil { state.joined[room] = head } }
        }
        namespace.adapter.addAll(self, rooms: [room])
        track()
    }

    public func leave(_ room: String) {
        namespace.adapter.del(self, room: room)
        if pid != nil { state.withLock { _ = $0.joined.removeValue(forKey: room) } }
        track()
    }

    /// The rooms this socket is in, its own id room included.
    public var rooms: Set<String> { namespace.adapter.socketRooms(id) }

    // MARK: Leaving

    /// Removes the socket from its namespace and tells the client (DISCONNECT packet); with `close`,
    /// the whole connection is closed too.
    public func disconnect(close: Bool = false) {
        if isConnected {
            sendPacket(SocketIOPacket(.disconnect, namespace: namespace.name))
        }
        didDisconnect(reason: .serverNamespaceDisconnect)
        if close { client.session.close(reason: .forcedClose) }
    }

    // MARK: Recovery

    /// Whether the socket left for a reason its client can recover from and its session is kept: what is emitted to it
    /// meanwhile is recorded for the recovery. Until ``expireSession()``.
    public var awaitsRecovery: Bool { state.withLock { $0.awaitsRecovery != nil } }

    /// Ends the recovery window of a socket that left: true when its session was still kept (nobody recovered it),
    /// and is now gone.
    public func expireSession() async -> Bool {
        guard let pid, let disconnection = state.withLock({ state in
            defer { state.awaitsRecovery = nil }
            return state.awaitsRecovery
        }) else { return false }
        return await namespace.sessions.expire(pid: pid, disconnection: disconnection, in: namespace.name)
    }

    /// socket.io's recoverable reasons; `server shutting down` only when the sessions outlive the process.
    private func isRecoverable(_ reason: DisconnectReason) -> Bool {
        switch reason {
        case .transportClose, .transportError, .pingTimeout: true
        case .serverShuttingDown: namespace.sessions.survivesRestart
        default: false
        }
    }

    /// The session as it stands: what the store keeps of it.
    private func session(pid: String) -> PersistedSession {
        PersistedSession(id: id, pid: pid, disconnection: disconnection, rooms: rooms, joined: state.withLock { $0.joined },
                         data: data, start: recoveryStart)
    }

    /// Whether the store keeps this connected socket's state (recovery on, in a cluster).
    private var isTracked: Bool { pid != nil && namespace.recovery != nil && namespace.sessions.tracksConnectedSockets }

    /// Has the store keep the connected socket's state, where it tracks connected sockets (a cluster's): on connecting
    /// and when its rooms or data change.
    func track() {
        guard isTracked, let pid, let recovery = namespace.recovery else { return }
        namespace.sessions.track(pid: pid, in: namespace.name, retention: recovery.maxDisconnection) { [weak self] in
            guard let self, self.isConnected else { return nil }
            return self.session(pid: pid)
        }
    }

    /// Keeps the session of a socket that leaves for a recoverable reason, with its rooms as they are now, and drops
    /// what is tracked of one that leaves for good; the name of the kept session's disconnection, or nil.
    private func keepSession(leaving reason: DisconnectReason) -> String? {
        guard let pid, let recovery = namespace.recovery else { return nil }
        guard isRecoverable(reason) else {
            if namespace.sessions.tracksConnectedSockets {
                namespace.sessions.forget(pid: pid, disconnection: disconnection, in: namespace.name)
            }
            return nil
        }
        namespace.sessions.persist(session(pid: pid), in: namespace.name, retention: recovery.maxDisconnection)
        return disconnection
    }

    // MARK: Leaving (the client)

    /// Detaches the socket once and runs its disconnect handlers.
    func didDisconnect(reason: DisconnectReason) {
        let persisted = isConnected ? keepSession(leaving: reason) : nil
        let gone: (handlers: [DisconnectHandler], acks: [CheckedContinuation<[JSONValue], any Error>])? = state.withLock { state in
            guard state.isConnected else { return nil }
            state.isConnected = false
            state.awaitsRecovery = persisted
            defer {
                state.disconnectHandlers = []
                state.pendingAcks = [:]
                state.handlers = [:]
                state.anyHandler = nil
            }
            return (state.disconnectHandlers, Array(state.pendingAcks.values))
        }
        guard let gone else { return }
        namespace.remove(self)
        client.forget(self)
        for ack in gone.acks { ack.resume(throwing: AckTimeout()) }
        for handler in gone.handlers { handler(reason) }
    }
}
