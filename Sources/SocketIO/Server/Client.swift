import EngineIO
import Hummingbird
import HummingbirdCore
import JSONCore
import Logging
import NIOCore
import DequeModule
import Synchronization

/// One Engine.IO connection seen from Socket.IO: decodes its packets, connects it to namespaces, and
/// routes each packet to the right socket.
///
/// Routing is synchronous, on the thread that delivered the packet. The one real wait is joining a namespace (its
/// middleware and connection handler): while it runs, the client's later packets are held back and routed in order
/// once it is done, so a socket's events never overtake its CONNECT.
final class Client: EngineSessionDelegate {
    private struct State {
        var decoder = SocketIOPacketDecoder()
        /// One per namespace joined, found by a scan: a client joins one or a few, and a scan costs less than hashing the
        /// name on every packet (and holds less than a dictionary on every idle connection).
        var sockets: [Socket] = []
        /// A NIO timer, not a sleeping task: a cancelled `Task.sleep` keeps its task and timer until the deadline
        /// would have passed, 45 s of memory for every connection that came and went.
        var connectTimer: Scheduled<Void>?
        /// A namespace is being joined: packets arriving meanwhile wait in `heldBack`.
        var isConnecting = false
        /// The held-back packets are being routed: later ones still queue behind them.
        var isCatchingUp = false
        var heldBack: Deque<EnginePacket.Payload> = []
        /// Bytes of the packet being decoded so far (its text, then its attachments).
        var packetBytes = 0
    }

    /// Packets a client may send while it joins a namespace before it is judged a flood and disconnected: reading
    /// never waits for the join, so this is what bounds it.
    static let maxHeldBackPackets = 1_000

    let session: EngineSession
    let version: SocketIOProtocolVersion
    private unowned let server: SocketIOServer
    private let state = Mutex(State())

    init(session: EngineSession, server: SocketIOServer) {
        self.session = session
        self.server = server
        self.version = SocketIOProtocolVersion(engine: session.version)
    }

    /// Where the connection lives: what a broadcast groups its recipients by.
    var eventLoop: any EventLoop { session.eventLoop }
    /// Where what is sent to this client is cheapest to send from (its session's upgraded WebSocket's loop).
    var deliveryLoop: any EventLoop { session.deliveryLoop }

    /// Starts the connect timeout; protocol v4 clients are connected to `/` at once, as socket.io 2.x did (their first
    /// packets wait for it, as they would for a CONNECT they sent: python-socketio 4.x emits without waiting).
    func start() {
        let timer = session.eventLoop.scheduleTask(in: .init(server.options.connectTimeout)) {
            // Held strongly (no weak reference, whose side table slows every retain of the client): the timer is
            // cancelled when the client connects or closes.
            guard self.state.withLock({ $0.sockets.isEmpty }) else { return }
            self.session.close(reason: .forcedClose)
        }
        state.withLock { $0.connectTimer = timer }
        if version == .v4 { beginConnect(to: "/", auth: nil) }
    }

    /// A packet for this connection alone (an ack, a CONNECT answer), in order with what the adapter delivers.
    func send(_ packet: SocketIOPacket) {
        session.send(SocketIOPacketEncoder.encode(packet).outbound)
    }

    /// What the adapter hands over: a packet encoded once for all its recipients. The session sends in place on its
    /// event loop and through that loop's queue from anywhere else, so what one thread sends arrives in order.
    func deliver(_ outbound: OutboundPackets, volatile: Bool) {
        if volatile {
            session.sendVolatile(outbound)
        } else {
            session.send(outbound)
        }
    }

    /// A delivery from a task queued on a loop: `expectQueuedDelivery()` when it is queued, `deliverQueued` when it
    /// runs (see ``EngineSession/expectQueuedSend()``).
    func expectQueuedDelivery() {
        session.expectQueuedSend()
    }

    func deliverQueued(_ outbound: OutboundPackets, volatile: Bool) {
        session.sendQueued(outbound, volatile: volatile)
    }

    func forget(_ socket: Socket) {
        state.withLock { state in
            if let index = state.sockets.firstIndex(where: { $0 === socket }) { state.sockets.remove(at: index) }
        }
    }

    // MARK: EngineSessionDelegate

    func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {
        enum Next { case route, wait, flood }
        let next: Next = state.withLock { state in
            guard state.isConnecting || state.isCatchingUp else { return .route }
            guard state.heldBack.count < Self.maxHeldBackPackets else { return .flood }
            state.heldBack.append(payload)
            return .wait
        }
        switch next {
        case .route: route(payload)
        case .wait: break
        case .flood:
            session.logger.debug("too many packets while joining a namespace", metadata: ["limit": "\(Self.maxHeldBackPackets)"])
            session.close(reason: .transportError)
        }
    }

    func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {
        let (sockets, timer) = state.withLock { state in
            defer {
                state.sockets = []
                state.heldBack = []
            }
            return (state.sockets, state.connectTimer)
        }
        timer?.cancel()
        for socket in sockets { socket.didDisconnect(reason: DisconnectReason(reason)) }
    }

    private func route(_ payload: EnginePacket.Payload) {
        let decoded: (Result<SocketIOPacket?, SocketIODecodingError>, bytes: Int) = state.withLock { state in
            state.packetBytes += payload.byteCount
            let result = Result { () throws(SocketIODecodingError) in
                switch payload {
                case .text(let text): try state.decoder.receive(text: text)
                case .binary(let bytes): try state.decoder.receive(binary: bytes)
                }
            }
            guard case .success(.some) = result else { return (result, 0) }
            defer { state.packetBytes = 0 }
            return (result, state.packetBytes)
        }
        switch decoded.0 {
        case .failure(let error):
            session.logger.debug("invalid Socket.IO packet", metadata: ["error": "\(error)"])
            session.close(reason: .parseError)
        case .success(let packet?):
            handle(packet, bytes: decoded.bytes)
        case .success(nil):
            break
        }
    }

    /// Holds back the client's packets while it joins a namespace, then routes what arrived meanwhile, in order, on
    /// the connection's event loop.
    private func beginConnect(to requested: String, auth: JSONValue?) {
        state.withLock { $0.isConnecting = true }
        Task {
            await connect(to: requested, auth: auth)
            session.eventLoop.execute { self.resumeRouting() }
        }
    }

    private func resumeRouting() {
        state.withLock { state in
            state.isConnecting = false
            state.isCatchingUp = true
        }
        while let payload = state.withLock({ state -> EnginePacket.Payload? in
            // A CONNECT routed from here started its own wait; its completion carries on from here.
            guard !state.isConnecting, let next = state.heldBack.popFirst() else {
                state.isCatchingUp = false
                return nil
            }
            return next
        }) {
            route(payload)
        }
    }

    // MARK: Packets

    private func handle(_ packet: SocketIOPacket, bytes: Int) {
        switch packet.kind {
        case .connect:
            beginConnect(to: packet.namespace, auth: packet.data)
        case .disconnect:
            socket(for: packet.namespace)?.didDisconnect(reason: .clientNamespaceDisconnect)
        case .event, .binaryEvent:
            guard let socket = socket(for: packet.namespace), case .array(let items)? = packet.data else {
                session.logger.debug("event for a namespace this client has not joined", metadata: ["nsp": .string(packet.namespace)])
                return
            }
            let name: String
            switch items[0] {
            case .string(let text): name = text
            case .int(let number): name = String(number)
            default: return
            }
            let ack = packet.ackId.map { Acknowledgement(socket: socket, id: $0) }
            socket.receive(SocketEvent(name: name, args: Array(items.dropFirst()), ack: ack, wireBytes: bytes))
        case .ack, .binaryAck:
            guard let socket = socket(for: packet.namespace), let id = packet.ackId else { return }
            socket.resolveAck(id, with: .success(packet.data?.arrayValue ?? []))
        case .connectError:
            session.close(reason: .parseError)
        }
    }

    private func socket(for namespace: String) -> Socket? {
        state.withLock { state in state.sockets.first { $0.namespace.name == namespace } }
    }

    /// Joins a namespace: middleware, then the CONNECT answer, then the connection handler.
    private func connect(to requested: String, auth: JSONValue?) async {
        // Protocol v4 clients put their query on the namespace: `/chat?token=abc`.
        var name = requested
        var namespaceQuery: [String: String] = [:]
        if let mark = requested.firstIndex(of: "?") {
            name = String(requested[..<mark])
            namespaceQuery = FormQuery(of: URI("/" + requested[mark...])).lastByName
        }
        if socket(for: name) != nil { return }
        guard let namespace = server.namespace(named: name) else {
            if version == .v4, name == "/" {
                // socket.io 2.x clients wait for `/` before joining anything else; `/` always exists there.
                send(SocketIOPacket(.connect, namespace: "/"))
                return
            }
            send(SocketIOPacket(.connectError, namespace: name, data: ConnectionRefusal(message: "Invalid namespace").payload(for: version)))
            return
        }
        let handshake = Handshake(request: session.handshake, auth: auth ?? .object([:]), extraQuery: namespaceQuery)
        let recovering = await recoverableSession(in: namespace, auth: auth)
        let socket = Socket(id: SessionID.make(), namespace: namespace, handshake: handshake, client: self, recovering: recovering)
        if recovering == nil || namespace.recovery?.skipMiddlewares == false, let refusal = await namespace.admit(socket) {
            send(SocketIOPacket(.connectError, namespace: name, data: refusal.payload(for: version)))
            return
        }
        let admitted = state.withLock { state in
            guard !state.sockets.contains(where: { $0.namespace.name == name }) else { return false }
            state.sockets.append(socket)
            state.connectTimer?.cancel()
            state.connectTimer = nil
            return true
        }
        guard admitted else { return }
        var answer = SocketIOPacket(.connect, namespace: name)
        if version == .v5 {
            var fields: [String: JSONValue] = ["sid": .string(socket.id)]
            if let pid = socket.pid { fields["pid"] = .string(pid) }
            answer.data = .object(fields)
        }
        if let recovering {
            namespace.restore(socket, session: recovering, connectAnswer: answer)
        } else {
            namespace.add(socket)
            send(answer)
        }
        socket.track()
        await namespace.connectionHandler?(socket)
    }

    /// The session a v5 client asks to recover (`pid` and `offset` in its CONNECT auth, as socket.io-client ≥ 4.6
    /// sends them), if the namespace has recovery on and still keeps it; otherwise the client connects anew.
    private func recoverableSession(in namespace: Namespace, auth: JSONValue?) async -> PersistedSession? {
        guard version == .v5, namespace.recovery != nil, case .string(let pid)? = auth?["pid"] else { return nil }
        let offset: RecoveryPosition?
        switch auth?["offset"] {
        case .string(let text)?:
            guard let parsed = RecoveryPosition(text: text) else { return nil }
            offset = parsed
        case nil, .null?:
            offset = nil
        default:
            return nil
        }
        if await namespace.releaseStale(pid) {
            session.logger.debug("a recovering client replaced its stale connection", metadata: ["nsp": .string(namespace.name)])
        }
        // Its old connection may be on another node of a cluster, which has not seen it fail yet (it lets it go) or
        // died unseen (it does not answer, and its state as last tracked is taken).
        if await namespace.sessions.isConnectedElsewhere(pid: pid, in: namespace.name) {
            let released = await namespace.adapter.releaseSession(pid: pid)
            session.logger.debug("a recovering client's old connection is on another node", metadata: [
                "nsp": .string(namespace.name), "released": "\(released)",
            ])
        }
        return await namespace.sessions.take(pid: pid, after: offset, in: namespace.name)
    }
}
