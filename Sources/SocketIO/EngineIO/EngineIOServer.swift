import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix

/// A bare Engine.IO server, for applications that want Engine.IO's transports without Socket.IO
/// (the official Engine.IO test suite's echo app is one).
public final class EngineIOServer: Sendable {
    /// One client session, to send to or close.
    public struct Connection: Sendable {
        let session: EngineSession
        public var id: String { session.id }
        public func send(_ payload: EnginePacket.Payload) { session.send([EnginePacket(.message, payload)]) }
        public func close() { session.close(reason: .forcedClose) }
    }

    public typealias MessageHandler = @Sendable (Connection, EnginePacket.Payload) async -> Void

    let engine: EngineServer

    public init(options: SocketIOOptions, logger: Logger = Logger(label: "engineio"), onMessage: @escaping MessageHandler) {
        engine = EngineServer(options: options, logger: logger, eventLoops: MultiThreadedEventLoopGroup.singleton) { session in
            MessageForwarder(onMessage: onMessage)
        }
    }

    public func installRoutes<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        engine.installRoutes(on: router)
    }

    /// The HTTP server to run the application's router on: HTTP/1 with this server's WebSocket upgrade, under `limits`.
    public func httpServer(limits: HTTPLimits = HTTPLimits()) -> HTTPServerBuilder {
        .engineIO(engine, limits: limits)
    }
}

/// Hands each message to the application's async handler, one at a time, in arrival order.
private final class MessageForwarder: EngineSessionDelegate {
    let onMessage: EngineIOServer.MessageHandler
    private let deliveries = SerialTaskQueue()

    init(onMessage: @escaping EngineIOServer.MessageHandler) {
        self.onMessage = onMessage
    }

    func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {
        let onMessage = onMessage
        deliveries.enqueue { await onMessage(EngineIOServer.Connection(session: session), payload) }
    }

    func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {}
}
