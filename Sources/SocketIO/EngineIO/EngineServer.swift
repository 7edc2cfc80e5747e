import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization

/// The Engine.IO server: verifies requests, runs handshakes, owns the sessions, and moves packets
/// between HTTP long-polling or WebSocket and each session.
///
/// It knows nothing of Socket.IO; each new session gets a delegate from `makeDelegate`.
final class EngineServer: Sendable {
    let options: SocketIOOptions
    let logger: Logger
    private let sessions = Mutex<[String: EngineSession]>([:])
    private let makeDelegate: @Sendable (EngineSession) -> any EngineSessionDelegate
    private let eventLoops: any EventLoopGroup

    init(
        options: SocketIOOptions, logger: Logger, eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        makeDelegate: @escaping @Sendable (EngineSession) -> any EngineSessionDelegate
    ) {
        self.options = options
        self.logger = logger
        self.eventLoops = eventLoops
        self.makeDelegate = makeDelegate
    }

    var sessionCount: Int { sessions.withLock { $0.count } }

    func hasSession(_ id: String) -> Bool { sessions.withLock { $0[id] != nil } }

    /// Closes every session (reason `server shutting down`); held polls are answered at once.
    func closeAll() {
        let all = sessions.withLock { Array($0.values) }
        for session in all { session.close(reason: .serverShuttingDown) }
    }

    // MARK: Request verification

    /// The Engine.IO parameters of a request, once verified.
    struct RequestParameters: Sendable {
        var version: EngineProtocolVersion
        var transport: SocketIOOptions.Transport
        var session: EngineSession?
        var forceBase64: Bool
    }

    /// Checks a request as the reference server does, in the same order, with the same error codes.
    func verify(method: HTTPRequest.Method, query: [String: String], isUpgrade: Bool) -> Result<RequestParameters, EngineHTTPError> {
        guard let transportName = query["transport"], let transport = SocketIOOptions.Transport(rawValue: transportName),
              options.transports.contains(transport)
        else { return .failure(.unknownTransport) }
        guard let versionText = query["EIO"], let number = Int(versionText),
              let version = EngineProtocolVersion(rawValue: number), version == .v4 || options.allowEIO3
        else { return .failure(.unsupportedProtocolVersion) }
        if transport == .websocket, !isUpgrade { return .failure(.badRequest) }
        let forceBase64 = query["b64"] == "1" || query["b64"] == "true"
        if let sid = query["sid"] {
            guard let session = sessions.withLock({ $0[sid] }) else { return .failure(.unknownSession) }
            if session.isClosed, method != .get { return .failure(.unknownSession) }
            guard session.version == version else { return .failure(.badRequest) }
            // Polling requests belong to a polling session; a WebSocket may only come to upgrade one.
            if transport == .polling, session.isWebSocket { return .failure(.badRequest) }
            if transport == .websocket, session.isWebSocket { return .failure(.badRequest) }
            return .success(RequestParameters(version: version, transport: transport, session: session, forceBase64: forceBase64))
        }
        guard method == .get else { return .failure(.badHandshakeMethod) }
        return .success(RequestParameters(version: version, transport: transport, session: nil, forceBase64: forceBase64))
    }

    // MARK: Sessions

    private func openSession(version: EngineProtocolVersion, transport: EngineSession.Transport, handshake: HandshakeRequest) -> EngineSession {
        let session = EngineSession(
            id: SessionID.make(), version: version, transport: transport, handshake: handshake, options: options,
            eventLoop: eventLoops.next(), logger: logger,
            onClose: { [weak self] session in self?.sessions.withLock { _ = $0.removeValue(forKey: session.id) } }
        )
        sessions.withLock { $0[session.id] = session }
        let upgrades = transport.isPolling && options.transports.contains(.websocket) ? ["websocket"] : []
        session.send([session.openPacket(upgrades: upgrades)])
        session.setDelegate(makeDelegate(session))
        session.scheduleHeartbeat()
        logger.debug("engine session opened", metadata: ["engine.sid": .string(session.id), "eio": "\(version.rawValue)"])
        return session
    }

    // MARK: Long-polling

    /// Answers one polling request: handshake, GET (poll) or POST (send).
    func handlePolling(_ request: Request, parameters: RequestParameters, handshake: @autoclosure () -> HandshakeRequest) async -> Response {
        var request = request
        guard let session = parameters.session else {
            let session = openSession(version: parameters.version, transport: .polling, handshake: handshake())
            return await pollResponse(session: session, forceBase64: parameters.forceBase64)
        }
        switch request.method {
        case .get:
            return await pollResponse(session: session, forceBase64: parameters.forceBase64)
        case .post:
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: options.maxHttpBufferSize)
            } catch {
                session.close(reason: .transportError)
                return Response(status: .contentTooLarge)
            }
            if let error = session.receivePost(Array(body.readableBytesView)) {
                return Self.errorResponse(error)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/html"], body: .init(byteBuffer: ByteBuffer(string: "ok"))
            )
        default:
            return Self.errorResponse(.badRequest)
        }
    }

    private func pollResponse(session: EngineSession, forceBase64: Bool) async -> Response {
        switch await session.poll() {
        case .refused(let error):
            return Self.errorResponse(error)
        case .packets(let packets):
            let encoded = EnginePayloadCodec.encode(packets, version: session.version, forceBase64: forceBase64)
            return Response(
                status: .ok, headers: [.contentType: encoded.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: encoded.bytes))
            )
        }
    }

    static func errorResponse(_ error: EngineHTTPError) -> Response {
        Response(
            status: error.status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: error.body))
        )
    }

    // MARK: WebSocket

    /// Serves one WebSocket: a new session (no `sid`) or the upgrade of a polling one.
    func handleWebSocket(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel,
        parameters: RequestParameters, handshake: HandshakeRequest
    ) async {
        let sink = WebSocketSink(channel: channel, limit: options.maxOutboundBufferBytes)
        try? await channel.pipeline.addHandler(WebSocketWritabilityWatch(sink: sink), position: .first).get()
        let session: EngineSession
        if let existing = parameters.session {
            guard existing.beginUpgrade(with: sink) else { return }
            session = existing
        } else {
            session = openSession(version: parameters.version, transport: .webSocket(sink), handshake: handshake)
        }
        sink.setOverflowHandler { [weak session] in session?.closeForOverflow() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.close(outbound, whenRequestedBy: sink) }
            await readFrames(from: inbound, session: session, sink: sink)
            // Reading ended the session or the probe, which asked for the close; the close frame must still go out
            // (cancelling the writer here once left a client waiting for it until the close timeout).
            sink.close()
            await group.waitForAll()
        }
    }

    /// Sends the close frame once the session asks for it (after every frame queued before it was written).
    private static func close(_ outbound: WebSocketOutboundWriter, whenRequestedBy sink: WebSocketSink) async {
        for await code in sink.closeRequests {
            try? await outbound.close(code, reason: nil)
            return
        }
    }

    private func readFrames(from inbound: WebSocketInboundStream, session: EngineSession, sink: WebSocketSink) async {
        // Messages up to `webSocketFrameLimit` are read so an oversized one is refused with a reason.
        let limit = options.maxHttpBufferSize
        var reason = EngineCloseReason.transportClose
        var code = WebSocketErrorCode.normalClosure
        do {
            for try await message in inbound.messages(maxSize: options.webSocketFrameLimit) {
                var packet = EnginePacket(.noop)
                switch message {
                case .text(let text) where text.utf8.count <= limit + 1:
                    packet = try EnginePacket(textFrame: Substring(text))
                case .binary(let buffer) where buffer.readableBytes <= limit + 1:
                    packet = try decodeBinaryFrame(buffer, version: session.version)
                default:
                    (reason, code) = (.transportError, .messageTooLarge)
                }
                guard reason == .transportClose else { break }
                if session.isTransport(sink) {
                    session.receive(packet)
                } else {
                    session.receiveOnProbe(packet, sink: sink)
                }
            }
        } catch is EngineDecodingError {
            (reason, code) = (.parseError, .protocolError)
        } catch {
            reason = .transportError
        }
        if session.isTransport(sink) {
            session.close(reason: reason, webSocketCode: code)
        } else {
            session.abandonUpgrade(of: sink)
        }
    }

    private func decodeBinaryFrame(_ buffer: ByteBuffer, version: EngineProtocolVersion) throws(EngineDecodingError) -> EnginePacket {
        let bytes = Array(buffer.readableBytesView)
        guard version == .v3 else { return .message(bytes) }
        // v3 binary frames start with the packet type byte.
        guard let first = bytes.first, let kind = EnginePacket.Kind(rawValue: first) else { throw .invalidPacketType }
        return EnginePacket(kind, .binary(Array(bytes.dropFirst())))
    }
}

extension EngineSession.Transport {
    var isPolling: Bool {
        if case .polling = self { return true }
        return false
    }
}
