import Hummingbird
import HummingbirdCore
import JSONCore
import Logging
import NIOCore
import Synchronization

/// One Engine.IO connection seen from Socket.IO: decodes its packets, connects it to namespaces, and
/// routes each packet to the right socket.
///
/// Packets are handled one at a time in arrival order (``SerialTaskQueue``), so a CONNECT's middleware and the
/// connection handler finish before the next packet of the same connection is looked at.
final class Client: EngineSessionDelegate {
    private struct State {
        var decoder = SocketIOPacketDecoder()
        var sockets: [String: Socket] = [:]
        /// A NIO timer, not a sleeping task: a cancelled `Task.sleep` keeps its task and timer until the deadline
        /// would have passed, 45 s of memory for every connection that came and went.
        var connectTimer: Scheduled<Void>?
    }

    let session: EngineSession
    let version: SocketIOProtocolVersion
    private unowned let server: SocketIOServer
    private let state = Mutex(State())
    private let packets = SerialTaskQueue()

    init(session: EngineSession, server: SocketIOServer) {
        self.session = session
        self.server = server
        self.version = SocketIOProtocolVersion(engine: session.version)
    }

    /// Starts the connect timeout; protocol v4 clients are connected to `/` at once, as socket.io 2.x did.
    func start() {
        let timer = session.eventLoop.scheduleTask(in: .init(server.options.connectTimeout)) { [weak self] in
            guard let self, self.state.withLock({ $0.sockets.isEmpty }) else { return }
            self.session.close(reason: .forcedClose)
        }
        state.withLock { $0.connectTimer = timer }
        if version == .v4 {
            // Queued first, so the client's first packets wait for it as they would for a CONNECT it sent
            // (python-socketio 4.x emits without waiting for the connect).
            packets.enqueue { await self.connect(to: "/", auth: nil) }
        }
    }

    func send(_ packet: SocketIOPacket) {
        session.send(SocketIOPacketEncoder.encode(packet).enginePackets)
    }

    /// `volatile`: sent only if the client can take it now.
    func sendVolatile(_ packet: SocketIOPacket) {
        session.sendVolatile(SocketIOPacketEncoder.encode(packet).enginePackets)
    }

    func forget(_ socket: Socket) {
        state.withLock { state in
            if state.sockets[socket.namespace.name] === socket { state.sockets.removeValue(forKey: socket.namespace.name) }
        }
    }

    // MARK: EngineSessionDelegate

    func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {
        packets.enqueue { await self.receive(payload) }
    }

    private func receive(_ payload: EnginePacket.Payload) async {
        let decoded: Result<SocketIOPacket?, SocketIODecodingError> = state.withLock { state in
            Result { () throws(SocketIODecodingError) in
                switch payload {
                case .text(let text): try state.decoder.receive(text: text)
                case .binary(let bytes): try state.decoder.receive(binary: bytes)
                }
            }
        }
        switch decoded {
        case .failure(let error):
            session.logger.debug("invalid Socket.IO packet", metadata: ["error": "\(error)"])
            session.close(reason: .parseError)
        case .success(let packet?):
            await handle(packet)
        case .success(nil):
            break
        }
    }

    func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {
        let (sockets, timer) = state.withLock { state in
            defer { state.sockets = [:] }
            return (Array(state.sockets.values), state.connectTimer)
        }
        timer?.cancel()
        for socket in sockets { socket.didDisconnect(reason: DisconnectReason(reason)) }
    }

    // MARK: Packets

    private func handle(_ packet: SocketIOPacket) async {
        switch packet.kind {
        case .connect:
            await connect(to: packet.namespace, auth: packet.data)
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
            socket.receive(SocketEvent(name: name, args: Array(items.dropFirst()), ack: ack))
        case .ack, .binaryAck:
            guard let socket = socket(for: packet.namespace), let id = packet.ackId else { return }
            socket.resolveAck(id, with: .success(packet.data?.arrayValue ?? []))
        case .connectError:
            session.close(reason: .parseError)
        }
    }

    private func socket(for namespace: String) -> Socket? {
        state.withLock { $0.sockets[namespace] }
    }

    /// Joins a namespace: middleware, then the CONNECT answer, then the connection handler.
    private func connect(to requested: String, auth: JSONValue?) async {
        // Protocol v4 clients put their query on the namespace: `/chat?token=abc`.
        var name = requested
        var namespaceQuery: [String: String] = [:]
        if let mark = requested.firstIndex(of: "?") {
            name = String(requested[..<mark])
            namespaceQuery = HandshakeRequest.queryParameters(of: URI("/" + requested[mark...]))
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
        let socket = Socket(id: SessionID.make(), namespace: namespace, handshake: handshake, client: self)
        if let refusal = await namespace.admit(socket) {
            send(SocketIOPacket(.connectError, namespace: name, data: refusal.payload(for: version)))
            return
        }
        let admitted = state.withLock { state in
            guard state.sockets[name] == nil else { return false }
            state.sockets[name] = socket
            state.connectTimer?.cancel()
            state.connectTimer = nil
            return true
        }
        guard admitted else { return }
        namespace.add(socket)
        switch version {
        case .v5: send(SocketIOPacket(.connect, namespace: name, data: .object(["sid": .string(socket.id)])))
        case .v4: send(SocketIOPacket(.connect, namespace: name))
        }
        await namespace.connectionHandler?(socket)
    }
}
