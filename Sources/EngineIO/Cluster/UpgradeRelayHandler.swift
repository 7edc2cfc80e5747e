import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Relays a connection whose first request is a WebSocket upgrade for another node's session to that node: the same
/// request, with ``EngineCluster/forwardedByHeader``, goes to the owner's advertised address, then bytes are spliced
/// both ways (``GlueHandler``) until either side closes. The owner answers the handshake itself and the session's
/// frames pass through untouched.
///
/// It sits in a cluster node's pipeline between NIO's HTTP request decoder and its upgrader, and decides from the
/// first request head alone, since the upgrader only ever upgrades the first request: anything else passes on and the
/// handler leaves the pipeline, so later requests, and this node's own sessions, never meet it. While it connects the
/// request waits here and the connection is not read; an owner it cannot reach is logged, and the request goes on to
/// the upgrader, which refuses it as an unknown session, as a single node does.
final class UpgradeRelayHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    /// The HTTP handlers that leave the pipeline once the connection is relayed.
    struct HTTPHandlers {
        let encoder: HTTPResponseEncoder
        let decoder: ByteToMessageHandler<HTTPRequestDecoder>
        let upgrader: any RemovableChannelHandler
    }

    private enum State {
        case awaitingHead
        /// Connecting to the owner; the request's parts wait.
        case connecting(SessionRoute.Target, held: [HTTPServerRequestPart])
        /// The client left (or the server began shutting down) while the owner was being connected to.
        case abandoned
        /// Relayed, or passed on: the handler is out of the pipeline.
        case done(relayed: Bool)
    }

    /// Opens a connection to the owner on the given loop (the client's: the two are glued on one loop).
    typealias Connector = (SessionRoute.Target, any EventLoop) -> EventLoopFuture<any Channel>

    private let engine: EngineServer
    private let httpHandlers: HTTPHandlers
    private let connector: Connector
    private var state = State.awaitingHead

    init(engine: EngineServer, httpHandlers: HTTPHandlers, connector: @escaping Connector = UpgradeRelayHandler.connectOverTCP) {
        self.engine = engine
        self.httpHandlers = httpHandlers
        self.connector = connector
    }

    static func connectOverTCP(to target: SessionRoute.Target, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel> {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(PollingRelay.connectTimeout)
            .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .channelOption(ChannelOptions.recvAllocator, value: EngineHTTPChannel.readBuffer)
            .connect(host: target.address.host, port: target.address.port)
    }

    /// Whether the connection went to another node: then NIO's upgrader, taken out unused, has not negotiated it.
    var hasRelayed: Bool {
        if case .done(relayed: true) = state { return true }
        return false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .awaitingHead:
            guard case .head(let head) = unwrapInboundIn(data), let target = target(of: head) else {
                state = .done(relayed: false)
                context.fireChannelRead(data)
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            }
            state = .connecting(target, held: [unwrapInboundIn(data)])
            connect(to: target, context: context)
        case .connecting(let target, var held):
            held.append(unwrapInboundIn(data))
            state = .connecting(target, held: held)
        case .abandoned, .done:
            context.fireChannelRead(data)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .connecting = state { state = .abandoned }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .connecting = state, event is ChannelShouldQuiesceEvent {
            state = .abandoned
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Where a WebSocket upgrade request for an Engine.IO path is forwarded; nil for everything else.
    private func target(of head: HTTPRequestHead) -> SessionRoute.Target? {
        guard head.headers["upgrade"].contains(where: { $0.lowercased() == "websocket" }) else { return nil }
        let uri = URI(head.uri)
        guard engine.matchesPath(uri.path) else { return nil }
        return engine.forwardingTarget(
            sid: FormQuery(of: uri).lastByName["sid"],
            forwardedBy: head.headers.first(name: EngineCluster.forwardedByHeader))
    }

    private func connect(to target: SessionRoute.Target, context: ChannelHandlerContext) {
        // Nothing more is read from the client until its bytes have somewhere to go.
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        connector(target, context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in self.connected(result, context: context) }
    }

    private func connected(_ result: Result<any Channel, any Error>, context: ChannelHandlerContext) {
        switch (state, result) {
        case (.connecting(let target, let held), .success(let owner)):
            do {
                try splice(context: context, with: owner, request: held, target: target)
                engine.logger.debug("relaying a WebSocket upgrade to the node that owns its session", metadata: [
                    "node": "\(target.owner)", "address": "\(target.address)",
                ])
            } catch {
                owner.close(promise: nil)
                context.close(promise: nil)
            }
        case (.connecting(let target, let held), .failure(let error)):
            engine.logUnreachableOwner(target, error: error, transport: .websocket)
            state = .done(relayed: false)
            for part in held { context.fireChannelRead(wrapInboundOut(part)) }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
        case (.abandoned, .success(let owner)):
            owner.close(promise: nil)
        case (.abandoned, .failure):
            break
        case (.awaitingHead, _), (.done, _):
            preconditionFailure("connected to an owner without connecting: \(state)")
        }
    }

    /// Sends the request to the owner, then leaves the two connections glued and the client's pipeline bare.
    private func splice(
        context: ChannelHandlerContext, with owner: any Channel, request: [HTTPServerRequestPart], target: SessionRoute.Target
    ) throws {
        guard case .head(let head)? = request.first else { preconditionFailure("a relayed request starts with its head") }
        let (clientEnd, ownerEnd) = GlueHandler.matchedPair()
        try owner.pipeline.syncOperations.addHandler(ownerEnd)
        owner.write(Self.requestBytes(head, forwardedBy: target.forwarder, allocator: owner.allocator), promise: nil)
        let pipeline = context.pipeline.syncOperations
        try pipeline.addHandler(clientEnd, position: .after(httpHandlers.decoder))
        // Before the upgrader leaves: its negotiation fails as it does, and the channel asks `hasRelayed`.
        state = .done(relayed: true)
        pipeline.removeHandler(httpHandlers.upgrader, promise: nil)
        pipeline.removeHandler(httpHandlers.encoder, promise: nil)
        // What the decoder holds past the request (a client that did not wait for the handshake) goes on to the owner
        // as the decoder leaves, on the loop's next turn, and is flushed right after: no read completes it.
        pipeline.removeHandler(httpHandlers.decoder, promise: nil)
        pipeline.removeHandler(context: context, promise: nil)
        owner.flush()
        context.eventLoop.execute { owner.flush() }
        try context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true)
    }

    /// The request head as sent: request line, the client's fields, and who forwarded it.
    static func requestBytes(_ head: HTTPRequestHead, forwardedBy forwarder: NodeID, allocator: ByteBufferAllocator) -> ByteBuffer {
        var bytes = allocator.buffer(capacity: 512)
        bytes.writeString("\(head.method.rawValue) \(head.uri) HTTP/1.1\r\n")
        for (name, value) in head.headers { bytes.writeString("\(name): \(value)\r\n") }
        bytes.writeString("\(EngineCluster.forwardedByHeader): \(forwarder)\r\n\r\n")
        return bytes
    }
}

@available(*, unavailable)
extension UpgradeRelayHandler: Sendable {}
