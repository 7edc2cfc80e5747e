import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import JSONCore
import Logging
import EngineIO
import SocketIO

/// A small application on the SocketIO module, for the end-to-end protocol tests and the official
/// Engine.IO and Socket.IO test suites. It prints `LISTENING <port>` once it accepts connections.
@main
struct SocketIOTestApp: AsyncParsableCommand {
    enum Mode: String, ExpressibleByArgument {
        /// `/chat` with an auth check, echo with ack, rooms, server→client acks, binary.
        case chat
        /// The Engine.IO suite's reference app: echo every message at `/engine.io/`.
        case engineEcho = "engine-echo"
        /// The Socket.IO suite's reference app.
        case protocolSuite = "protocol-suite"
    }

    @Option var host = "127.0.0.1"
    @Option var port = 0
    @Option var mode = Mode.chat
    @Option(help: "Milliseconds.") var pingInterval = 25_000
    @Option(help: "Milliseconds.") var pingTimeout = 20_000
    @Option(help: "Milliseconds.") var connectTimeout = 45_000
    @Option(help: "Bytes.") var maxPayload = 1_000_000
    @Option var path: String?
    @Flag var cors = false
    @Option(help: "trace, debug, info, …: debug shows each heartbeat's timing.") var logLevel = Logger.Level.info
    @OptionGroup var clusterArguments: ClusterArguments

    func run() async throws {
        var engineOptions = EngineIOOptions()
        engineOptions.pingInterval = .milliseconds(pingInterval)
        engineOptions.pingTimeout = .milliseconds(pingTimeout)
        engineOptions.maxHttpBufferSize = maxPayload
        if cors { engineOptions.cors = CORSPolicy(origins: .any) }
        engineOptions.cluster = try clusterArguments.cluster(host: host, port: port)
        var logger = Logger(label: "sio-testapp")
        logger.logLevel = logLevel
        if let cluster = engineOptions.cluster { logger.info("cluster node", metadata: ["node": "\(cluster.node)"]) }

        let router = Router(context: SocketIORequestContext.self)
        router.get("/health") { _, _ in "ok" }
        let server: HTTPServerBuilder
        switch mode {
        case .engineEcho:
            engineOptions.paths = [path ?? "/engine.io/"]
            let engine = EngineIOServer(options: engineOptions, logger: logger) { connection, payload in
                connection.send(payload)
            }
            engine.installRoutes(on: router)
            server = engine.httpServer()
        case .chat, .protocolSuite:
            engineOptions.paths = [path ?? "/socket.io/"]
            var options = SocketIOOptions()
            options.engine = engineOptions
            options.connectTimeout = .milliseconds(connectTimeout)
            let socketIO = SocketIOServer(options: options, logger: logger)
            if mode == .chat { ChatApp.install(on: socketIO) } else { ProtocolSuiteApp.install(on: socketIO) }
            socketIO.installRoutes(on: router)
            server = socketIO.httpServer()
        }

        let app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                // Unbuffered, so a test reading the pipe sees it at once.
                FileHandle.standardOutput.write(Data("LISTENING \(channel.localAddress?.port ?? 0)\n".utf8))
            },
            logger: logger
        )
        try await app.runService()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
