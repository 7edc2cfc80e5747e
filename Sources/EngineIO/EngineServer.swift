import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import NIOWebSocket
import Synchronization

/// The Engine.IO server: verifies requests, runs handshakes, owns the sessions, and moves packets
/// between HTTP long-polling or WebSocket and each session.
///
/// It knows nothing of Socket.IO; each new session gets a delegate from `makeDelegate`.
package final class EngineServer: Sendable {
    package let options: EngineIOOptions
    let logger: Logger
    /// What the sessions share, their table among it.
    package let environment: EngineSessionEnvironment
    private let makeDelegate: @Sendable (EngineSession) -> any EngineSessionDelegate
    let eventLoops: any EventLoopGroup
    /// One per event loop a WebSocket was served on.
    private let flushers = Mutex<[ObjectIdentifier: ChannelFlusher]>([:])
    /// New sessions per client address; nil without a limit.
    private let connectRate: AddressConnectRate?

    package init(
        options: EngineIOOptions, logger: Logger, eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        makeDelegate: @escaping @Sendable (EngineSession) -> any EngineSessionDelegate
    ) {
        self.options = options
        self.logger = logger
        self.environment = EngineSessionEnvironment(options: options, logger: logger)
        self.eventLoops = eventLoops
        self.makeDelegate = makeDelegate
        self.connectRate = options.maxSessionsPerSecondPerAddress.map(AddressConnectRate.init)
    }

    var sessionCount: Int { environment.sessions.withLock { $0.count } }

    func hasSession(_ id: String) -> Bool { environment.sessions.withLock { $0[id] != nil } }

    /// Closes every session (reason `server shutting down`); held polls are answered at once. Returns once every
    /// session's loop has run its close (and what the session's delegate does then).
    package func closeAll() async {
        let all = environment.sessions.withLock { Array($0.values) }
        // Each closes on its own loop, after what was sent to it before (the results of the handlers that just finished).
        for session in all { session.close(reason: .serverShuttingDown) }
        var loops: [ObjectIdentifier: any EventLoop] = [:]
        for session in all { loops[ObjectIdentifier(session.eventLoop)] = session.eventLoop }
        for loop in loops.values { try? await loop.submit {}.get() }
    }

    // MARK: Request verification

    /// The Engine.IO parameters of a request, once verified.
    struct RequestParameters: Sendable {
        var version: EngineProtocolVersion
        var transport: EngineIOOptions.Transport
        var session: EngineSession?
        var forceBase64: Bool
    }

    /// Checks a request as the reference server does, in the same order, with the same error codes.
    func verify(method: HTTPRequest.Method, query: [String: String], isUpgrade: Bool) -> Result<RequestParameters, EngineHTTPError> {
        guard let transportName = query["transport"], let transport = EngineIOOptions.Transport(rawValue: transportName),
              options.transports.contains(transport)
        else { return .failure(.unknownTransport) }
        guard let versionText = query["EIO"], let number = Int(versionText),
              let version = EngineProtocolVersion(rawValue: number), version == .v4 || options.allowEIO3
        else { return .failure(.unsupportedProtocolVersion) }
        if transport == .websocket, !isUpgrade { return .failure(.badRequest) }
        let forceBase64 = query["b64"] == "1" || query["b64"] == "true"
        if let sid = query["sid"] {
            guard let session = environment.sessions.withLock({ $0[sid] }) else { return .failure(.unknownSession) }
            guard session.version == version else { return .failure(.badRequest) }
            // Whether the session takes this request now (polling, upgrading, closed) it decides on its own loop.
            return .success(RequestParameters(version: version, transport: transport, session: session, forceBase64: forceBase64))
        }
        guard method == .get else { return .failure(.badHandshakeMethod) }
        return .success(RequestParameters(version: version, transport: transport, session: nil, forceBase64: forceBase64))
    }

    /// Whether a handshake from `address` may open a session now; the refusal if not (logged once per episode).
    func admitsNewSession(from address: SocketAddress?) -> AddressLimitRefusal? {
        guard let connectRate, let address = address?.ipAddress else { return nil }
        guard case .refused(let startsEpisode) = connectRate.admit(address, now: NIODeadline.now().uptimeNanoseconds) else {
            return nil
        }
        if startsEpisode {
            logger.warning("handshake refused: its address opens sessions too fast", metadata: [
                "remote": "\(address)", "code": "CONNECT_RATE_LIMITED", "max_connect_rate_per_ip": "\(connectRate.rate)",
            ])
        }
        return .connectRateLimited(perSecond: connectRate.rate)
    }

    static func refusalResponse(_ refusal: AddressLimitRefusal) -> Response {
        var headers = HTTPFields(refusal.head.headerFields.filter { $0.name != .contentLength })
        headers[.contentType] = "application/json"
        return Response(status: .tooManyRequests, headers: headers, body: .init(byteBuffer: ByteBuffer(string: refusal.body)))
    }

    // MARK: Sessions

    /// `transport`: the WebSocket of a session opened over WebSocket, whose loop the session takes; nil for polling.
    private func openSession(
        version: EngineProtocolVersion, transport: WebSocketTransport?, on eventLoop: any EventLoop, handshake: HandshakeRequest
    ) -> EngineSession {
        openSession(version: version, transport: transport, on: eventLoop, handshake: handshake, attach: { _ in })
    }

    /// `attach`: what must be in place before the open packet is sent (a WebSocket's pipeline, which writes it).
    @discardableResult
    private func openSession(
        version: EngineProtocolVersion, transport: WebSocketTransport?, on eventLoop: any EventLoop,
        handshake: HandshakeRequest, attach: (EngineSession) throws -> Void
    ) rethrows -> EngineSession {
        let session = EngineSession(
            id: SessionID.make(on: options.cluster?.node), version: version, transport: transport, handshake: handshake,
            environment: environment, eventLoop: eventLoop
        )
        try attach(session)
        environment.sessions.withLock { $0[session.id] = session }
        let canUpgrade = transport == nil && options.transports.contains(WebSocketTransport.name)
        let upgrades = canUpgrade ? [WebSocketTransport.name.rawValue] : []
        session.start(upgrades: upgrades) { [makeDelegate] in makeDelegate(session) }
        logger.debug("engine session opened", metadata: ["engine.sid": .string(session.id), "eio": "\(version.rawValue)"])
        return session
    }

    // MARK: Long-polling

    /// Answers one polling request: handshake, GET (poll) or POST (send).
    func handlePolling(_ request: Request, parameters: RequestParameters, handshake: @autoclosure () -> HandshakeRequest) async -> Response {
        var request = request
        guard let session = parameters.session else {
            let session = openSession(
                version: parameters.version, transport: nil, on: eventLoops.next(), handshake: handshake())
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
            if let error = await session.receivePost(Array(body.readableBytesView)) {
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

    /// Before the handshake response of an admitted upgrade: the session takes the WebSocket in as its probe (or
    /// refuses it). Done after the response, a second WebSocket the client opens once it sees this one's response
    /// could reach the session first and probe in its place.
    func prepareWebSocket(_ admission: WebSocketAdmission, on channel: any Channel) -> EventLoopFuture<Void> {
        guard case .admitted(let parameters, _, let webSocket) = admission, let upgrading = parameters.session else {
            return channel.eventLoop.makeSucceededVoidFuture()
        }
        // A connection lost before its pipeline is attached has no handler to tell the session.
        channel.closeFuture.whenComplete { _ in
            if !webSocket.isAttached { upgrading.transportEnded(webSocket, reason: .transportClose, webSocketCode: .normalClosure) }
        }
        return upgrading.beginUpgrade(with: webSocket).hop(to: channel.eventLoop)
    }

    /// Once the handshake response is out: the WebSocket's pipeline, and the session it opens (or the one it probes).
    func serveWebSocket(_ admission: WebSocketAdmission, on channel: any Channel) throws {
        guard case .admitted(let parameters, let handshake, let webSocket) = admission else {
            // A close frame (the same in every protocol version), then the connection is cut at once: some clients
            // (Node's undici) never answer a close frame that arrives with the handshake response.
            var code = channel.allocator.buffer(capacity: 2)
            code.write(webSocketErrorCode: .normalClosure)
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: code)
            channel.eventLoop.execute {
                channel.writeAndFlush(close).whenComplete { _ in channel.close(promise: nil) }
            }
            return
        }
        let attach = { (session: EngineSession) throws in
            try channel.pipeline.syncOperations.addHandlers([
                NIOWebSocketFrameAggregator(
                    minNonFinalFragmentSize: 1, maxAccumulatedFrameCount: 1 << 16,
                    maxAccumulatedFrameSize: self.options.webSocketFrameLimit),
                EngineWebSocketHandler(session: session, transport: webSocket, messageLimit: self.options.maxHttpBufferSize),
            ])
            webSocket.pipelineAttached()
        }
        guard let upgrading = parameters.session else {
            try openSession(
                version: parameters.version, transport: webSocket, on: channel.eventLoop, handshake: handshake, attach: attach)
            return
        }
        try attach(upgrading)
    }

    func flusher(for eventLoop: any EventLoop) -> ChannelFlusher {
        flushers.withLock { flushers in
            if let flusher = flushers[ObjectIdentifier(eventLoop)] { return flusher }
            let flusher = ChannelFlusher(eventLoop: eventLoop)
            flushers[ObjectIdentifier(eventLoop)] = flusher
            return flusher
        }
    }
}
