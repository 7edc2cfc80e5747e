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
/// it as a child task of its connection group), and the channel lives on in its event loop until it closes.
struct EngineHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    /// What the first request on a connection turned it into.
    enum Negotiated: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// A WebSocket request we did not upgrade: answered `400` and closed, as Hummingbird does.
        case refusedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// The pipeline serves the WebSocket by itself from here.
        case webSocket
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
            return Value(negotiated: negotiated, channel: channel)
        }
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
            case .webSocket:
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
