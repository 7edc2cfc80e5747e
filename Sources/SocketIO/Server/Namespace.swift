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
        /// The connected sockets that can be recovered, by private session id.
        var recoverable: [String: Socket] = [:]
        var recovery: RecoveryOptions?
    }

    public let name: String
    public let adapter: any Adapter
    /// Where the packet log and the disconnected sessions are kept while ``recovery`` is on.
    public let sessions: any SessionStore
    private let state = Mutex(State())
    /// Held while a packet is stamped, recorded and delivered on this node, and while a socket is recovered: a
    /// recovering socket gets every packet exactly once, the missed ones before the new ones.
    private let recording = Mutex<Void>(())

    init(name: String, adapter: any Adapter, sessions: any SessionStore) {
        self.name = name
        self.adapter = adapter
        self.sessions = sessions
    }

    /// Connection state recovery for this namespace, or nil (off, the default). Takes effect for the packets and
    /// disconnections that follow.
    public var recovery: RecoveryOptions? {
        get { state.withLock { $0.recovery } }
        set { state.withLock { $0.recovery = newValue } }
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

    // MARK: Delivery

    /// Hands a packet to the adapter, marking an event without an ack id that is not volatile as recoverable when
    /// recovery is on: then every node that delivers it stamps and records it (socket.io's session-aware adapter).
    @discardableResult
    func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) -> Int {
        adapter.broadcast(packet, options: marked(packet, options))
    }

    /// Like ``broadcast(_:options:)``, counting the recipients on every node.
    func broadcastCounting(_ packet: SocketIOPacket, options: BroadcastOptions) async -> Int {
        await adapter.broadcastCounting(packet, options: marked(packet, options))
    }

    private func marked(_ packet: SocketIOPacket, _ options: BroadcastOptions) -> BroadcastOptions {
        guard recovery != nil, packet.kind == .event, packet.ackId == nil, !options.flags.volatile else { return options }
        var options = options
        options.flags.recoverable = true
        return options
    }

    /// What an adapter does with a recoverable packet for this node's sockets: records it — this node's own (`origin`
    /// nil) under its next sequence number, another node's under the one it came with — also when nobody here
    /// receives it now (a disconnected session may), and `deliver`s it stamped with its offset, under a lock that a
    /// recovery also takes, so that a recovering socket gets each packet once, the missed ones first. The adapter
    /// queues its deliveries on their event loops, never sends in place, so they keep the lock's order.
    ///
    /// `announce` hears where this node's own packet was recorded (nil: recovery is off here, it was not) before
    /// anybody receives it, under the lock: a cluster adapter publishes it from there, so that the other nodes hear
    /// this node's packets in the order of their sequence numbers.
    func recordAndDeliver(_ packet: EncodedSocketIOPacket, from origin: PacketOrigin?, options: BroadcastOptions,
                          announce: (PacketOrigin?) -> Void, deliver: (EncodedSocketIOPacket) -> Int) -> Int {
        guard let recovery else {
            if origin == nil { announce(nil) }
            return deliver(packet)
        }
        return recording.withLock { _ in
            let (stamped, recorded) = sessions.record(packet, from: origin, options: options, in: name,
                                                      retention: recovery.maxDisconnection)
            if origin == nil { announce(recorded) }
            return deliver(stamped)
        }
    }

    /// Puts a recovered socket back: its rooms, the CONNECT answer and the packets it missed, under the recording lock
    /// so that nothing recorded meanwhile is lost or sent twice, and queued on its loop ahead of anything newer.
    func restore(_ socket: Socket, session: PersistedSession, connectAnswer: SocketIOPacket) {
        recording.withLock { _ in
            let missed = sessions.missed(by: session, in: name)
            add(socket)
            adapter.addAll(socket, rooms: session.rooms)
            let client = socket.client
            // Announced, so that nothing recorded later reaches an upgraded WebSocket from its own loop first.
            client.expectQueuedDelivery()
            socket.client.eventLoop.execute {
                client.send(connectAnswer)
                for packet in missed { client.deliver(packet.outbound, volatile: false) }
                client.session.queuedSendsDone()
            }
        }
    }

    // MARK: Other nodes

    /// What this node's log of the namespace holds, for another node that starts (empty with recovery off).
    func recoveryLogSnapshot() -> RecoveryLogSnapshot {
        recovery == nil ? RecoveryLogSnapshot() : sessions.snapshot(of: name)
    }

    /// Takes in what the other nodes' logs of the namespace hold (the fullest), as this node starts in a cluster: so
    /// that a client that comes back through it recovers what was sent before it started. Under the recording lock.
    func catchUpRecoveryLog() async {
        guard recovery != nil else { return }
        let snapshots = await adapter.recoveryLogs()
        guard let recovery, let fullest = snapshots.max(by: { $0.entries.count < $1.entries.count }) else { return }
        recording.withLock { _ in sessions.adopt(fullest, in: name, retention: recovery.maxDisconnection) }
    }

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
        state.withLock { state in
            state.sockets[socket.id] = socket
            if let pid = socket.pid { state.recoverable[pid] = socket }
        }
        adapter.addAll(socket, rooms: [socket.id])
    }

    /// Lets go of the socket connected here under the private session id `pid`, if any: its client is back on a new
    /// connection (on this node or another) before this node saw the old one fail (a polling request or a WebSocket
    /// cut half-open), so that connection is dead, and leaves now with `transport error` — its session kept, and
    /// written where the recovery reads it before this returns. Whether there was one.
    func releaseStale(_ pid: String) async -> Bool {
        let stale = state.withLock { $0.recoverable[pid] }
        if let stale {
            stale.didDisconnect(reason: .transportError)
            stale.client.session.close(reason: .transportError)
        }
        // Either way, what its socket left (kept, or dropped for good) is written before the answer.
        await sessions.flush(pid: pid, in: name)
        return stale != nil
    }

    var connectionHandler: ConnectionHandler? { state.withLock { $0.connectionHandler } }

    func remove(_ socket: Socket) {
        state.withLock { state in
            if state.sockets[socket.id] === socket { state.sockets.removeValue(forKey: socket.id) }
            if let pid = socket.pid, state.recoverable[pid] === socket { state.recoverable.removeValue(forKey: pid) }
        }
        adapter.delAll(socket)
    }
}
