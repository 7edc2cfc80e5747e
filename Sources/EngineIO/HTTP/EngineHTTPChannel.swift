import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// The server child channel for Engine.IO: HTTP/1 through Hummingbird's responder (long-polling, the admin API), and
/// Engine.IO WebSocket requests upgraded by NIO's upgrader into a plain pipeline that ends in one
/// ``EngineWebSocketHandler``.
///
/// A WebSocket connection holds no task: `handle(value:)` returns once it is upgraded (Hummingbird's server only runs
/// it as a child task of its connection group), and the channel lives on in its event loop until it closes. In a
/// cluster, ``UpgradeRelayHandler`` stands before the upgrader and relays an upgrade for another node's session there.
struct EngineHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    /// What the first request on a connection turned it into.
    enum Negotiated: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// A WebSocket request we did not upgrade (answered `400`, as Hummingbird does), or a connection over its
        /// address's limits (`429`): answered and closed.
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, Refusal)
        /// The pipeline serves the WebSocket by itself from here.
        case webSocket
        /// A WebSocket upgrade for another node's session: the connection is spliced to that node
        /// (``UpgradeRelayHandler``).
        case relayed
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    /// The answer to a refused request.
    struct Refusal: Sendable {
        var head: HTTPResponse
        var body: String
        /// Whether the request is still to be read (a connection refused before anything read it), so that closing
        /// does not reset the connection under the answer; an upgrade request was read by NIO's upgrader.
        var readsRequest: Bool

        static let badUpgrade = Refusal(
            head: HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"]), body: "",
            readsRequest: false)

        init(head: HTTPResponse, body: String, readsRequest: Bool) {
            self.head = head
            self.body = body
            self.readsRequest = readsRequest
        }

        init(_ refusal: AddressLimitRefusal, readsRequest: Bool) {
            self.init(head: refusal.head, body: refusal.body, readsRequest: readsRequest)
        }
    }

    let responder: HTTPChannelHandler.Responder
    let engine: EngineServer
    let idleTimeout: TimeAmount?
    let addressCap: AddressConnectionCap?

    init(engine: EngineServer, idleTimeout: TimeAmount?, addressCap: AddressConnectionCap?, responder: @escaping HTTPChannelHandler.Responder) {
        self.engine = engine
        self.idleTimeout = idleTimeout
        self.addressCap = addressCap
        self.responder = Self.redirectingLateUpgrades(to: responder)
    }

    /// The first read's buffer: NIO keeps a connection's read buffer for its next reads, and its default first size
    /// (2 KiB) was the largest single cost of an idle WebSocket. Reads that fill it grow the next one (up to 64 KiB).
    static let readBuffer = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.syncOptions?.setOption(.recvAllocator, value: Self.readBuffer)
            if let refusal = countAgainstAddressCap(channel, logger: logger) {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false)
                let http = try Self.asyncHTTP(channel, idleTimeout: nil, logger: logger)
                let refused = Negotiated.refused(http, Refusal(refusal, readsRequest: true))
                return Value(negotiated: channel.eventLoop.makeSucceededFuture(refused), channel: channel)
            }
            // The decision taken from the request head, kept for the pipeline set up once the handshake response is out.
            let admission = NIOLoopBoundBox(EngineServer.WebSocketAdmission?.none, eventLoop: channel.eventLoop)
            let engine = self.engine
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: engine.options.webSocketFrameLimit,
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    let decision = engine.webSocketAdmission(for: head, channel: channel)
                    admission.value = decision
                    switch decision {
                    case .refused, .limited: return channel.eventLoop.makeSucceededFuture(nil)
                    case .closedAtOnce, .admitted: break
                    }
                    return engine.prepareWebSocket(decision, on: channel).map { HTTPHeaders() }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        if let decision = admission.value { try engine.serveWebSocket(decision, on: channel) }
                        return Negotiated.webSocket
                    }
                }
            )
            let idleTimeout = self.idleTimeout
            let upgrades = NIOTypedHTTPServerUpgradeConfiguration(upgraders: [upgrader]) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let http = try Self.asyncHTTP(channel, idleTimeout: idleTimeout, logger: logger)
                    switch admission.value {
                    case .refused?: return .refused(http, .badUpgrade)
                    case .limited(let refusal)?: return .refused(http, Refusal(refusal, readsRequest: false))
                    default: return .http(http)
                    }
                }
            }
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration(upgradeConfiguration: upgrades)
            configuration.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            configuration.enableErrorHandling = false  // Hummingbird handles parse errors
            configuration.enableResponseHeaderValidation = false  // Swift HTTP Types validate already
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            guard engine.options.cluster != nil else { return Value(negotiated: negotiated, channel: channel) }
            return Value(negotiated: try Self.relayingOtherNodesUpgrades(negotiated, on: channel, engine: engine), channel: channel)
        }
    }

    /// HTTP/1 parts as Hummingbird's responder takes them, on the pipeline's HTTP/1 codec.
    private static func asyncHTTP(_ channel: any Channel, idleTimeout: TimeAmount?, logger: Logger) throws
        -> NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
    {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
        try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout.map { .init($0) }, logger: logger))
        return try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
    }

    /// Counts the connection against its address's cap until it closes; the refusal if the address is at its cap.
    private func countAgainstAddressCap(_ channel: any Channel, logger: Logger) -> AddressLimitRefusal? {
        guard let addressCap, let address = channel.remoteAddress?.ipAddress else { return nil }
        if case .refused(let startsEpisode) = addressCap.opened(address) {
            if startsEpisode { logger.warning("connection refused: its address has too many open", metadata: [
                "remote": "\(address)", "code": "TOO_MANY_CONNECTIONS", "max_connections_per_ip": "\(addressCap.maximum)",
            ]) }
            return .tooManyConnections(maximum: addressCap.maximum)
        }
        channel.closeFuture.whenComplete { _ in addressCap.closed(address) }
        return nil
    }

    /// In a cluster: ``UpgradeRelayHandler`` before the upgrader, and its relaying as the connection's outcome.
    private static func relayingOtherNodesUpgrades(
        _ negotiated: EventLoopFuture<Negotiated>, on channel: any Channel, engine: EngineServer
    ) throws -> EventLoopFuture<Negotiated> {
        let pipeline = channel.pipeline.syncOperations
        let handlers = UpgradeRelayHandler.HTTPHandlers(
            encoder: try pipeline.handler(type: HTTPResponseEncoder.self),
            decoder: try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self),
            upgrader: try pipeline.handler(type: NIOTypedHTTPServerUpgradeHandler<Negotiated>.self))
        let relay = UpgradeRelayHandler(engine: engine, httpHandlers: handlers)
        try pipeline.addHandler(relay, position: .after(handlers.decoder))
        return negotiated.assumeIsolated().flatMapErrorThrowing { error in
            guard relay.hasRelayed else { throw error }
            return .relayed
        }.nonisolated()
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let refusal):
                try await http.executeThenClose { inbound, outbound in
                    if refusal.readsRequest {
                        for try await part in inbound { if case .end = part { break } }
                    }
                    var parts: [HTTPResponsePart] = [.head(refusal.head)]
                    if !refusal.body.isEmpty { parts.append(.body(ByteBuffer(string: refusal.body))) }
                    try await outbound.write(contentsOf: parts + [.end(nil)])
                }
            case .webSocket, .relayed:
                return
            }
        } catch {
            logger.trace("connection ended before or while negotiating", metadata: ["error": "\(error)"])
        }
    }

    /// A later request on a keep-alive connection cannot be upgraded (NIO's upgrader only looks at the first):
    /// it is redirected to itself with `Connection: close`, so the client retries on a fresh connection.
    private static func redirectingLateUpgrades(to responder: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        struct ClosingAfterRedirect: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                try await responder(request, writer, channel)
                return
            }
            let response = HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: request.uri.description])
            try await writer.writeResponse(response)
            throw ClosingAfterRedirect()
        }
    }
}
