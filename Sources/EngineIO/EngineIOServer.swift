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

    /// Called for each message in arrival order; it must return quickly.
    public typealias MessageHandler = @Sendable (Connection, EnginePacket.Payload) -> Void

    let engine: EngineServer

    public init(options: EngineIOOptions, logger: Logger = Logger(label: "engineio"), onMessage: @escaping MessageHandler) {
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

private final class MessageForwarder: EngineSessionDelegate {
    let onMessage: EngineIOServer.MessageHandler

    init(onMessage: @escaping EngineIOServer.MessageHandler) {
        self.onMessage = onMessage
    }

    func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {
        onMessage(EngineIOServer.Connection(session: session), payload)
    }

    func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {}
}
