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
        /// A WebSocket request we did not upgrade: answered `400` and closed, as Hummingbird does.
        case refusedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
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

    let responder: HTTPChannelHandler.Responder
    let engine: EngineServer
    let idleTimeout: TimeAmount?

    init(engine: EngineServer, idleTimeout: TimeAmount?, responder: @escaping HTTPChannelHandler.Responder) {
        self.engine = engine
        self.idleTimeout = idleTimeout
        self.responder = Self.redirectingLateUpgrades(to: responder)
    }

    /// The first read's buffer: NIO keeps a connection's read buffer for its next reads, and its default first size
    /// (2 KiB) was the largest single cost of an idle WebSocket. Reads that fill it grow the next one (up to 64 KiB).
    static let readBuffer = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.syncOptions?.setOption(.recvAllocator, value: Self.readBuffer)
            // The decision taken from the request head, kept for the pipeline set up once the handshake response is out.
            let admission = NIOLoopBoundBox(EngineServer.WebSocketAdmission?.none, eventLoop: channel.eventLoop)
            let engine = self.engine
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: engine.options.webSocketFrameLimit,
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    let decision = engine.webSocketAdmission(for: head, channel: channel)
                    admission.value = decision
                    if case .refused = decision { return channel.eventLoop.makeSucceededFuture(nil) }
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
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                    try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout.map { .init($0) }, logger: logger))
                    let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                    if case .refused? = admission.value { return .refusedUpgrade(http) }
                    return .http(http)
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
            case .refusedUpgrade(let http):
                try await http.executeThenClose { _, outbound in
                    let head = HTTPResponse(status: .badRequest, headerFields: [.connection: "close", .contentLength: "0"])
                    try await outbound.write(contentsOf: [.head(head), .end(nil)])
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
