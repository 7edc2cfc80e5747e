import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

/// The process's entry point: synchronous, like gatewayd's (an `async` main parks the main thread in
/// `dispatch_main`, which valgrind 3.19 cannot run), so `make bench-cost` can count this baseline's instructions.
@main
enum BenchWSEchoEntryPoint {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await BenchWSEcho.main()
            finished.signal()
        }
        finished.wait()
    }
}

/// Raw WebSocket echo on the pipeline gatewayd's WebSockets use: the ceiling for the echo-ack benchmark.
///
/// Hummingbird's HTTP/1 server, NIO's WebSocket upgrader decided from the request head, then a frame aggregator and
/// one handler (``EchoWebSocketHandler``) that writes every message back unchanged and flushes once per read batch.
/// No Engine.IO, no Socket.IO, no Lua. Prints `LISTENING <port>` once it accepts connections and stops on SIGTERM
/// or SIGINT.
struct BenchWSEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-ws-echo",
        abstract: "Raw WebSocket echo server, the baseline for gateway-bench's echo-ack scenario.")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind; 0 picks any free port.") var port = 0
    @Option(help: "Largest message accepted, in bytes (gatewayd reads frames up to 2,000,000 by default).")
    var maxFrameSize = 2_000_000

    func run() async throws {
        var logger = Logger(label: "bench-ws-echo")
        logger.logLevel = .error
        let router = Router()
        router.get("/health") { _, _ in "ok" }
        let maxSize = maxFrameSize
        let app = Application(
            router: router,
            server: HTTPServerBuilder { responder in EchoHTTPChannel(maxFrameSize: maxSize, responder: responder) },
            configuration: .init(address: .hostname(host, port: port), serverName: "bench-ws-echo"),
            onServerRunning: { channel in
                // Unbuffered, so the benchmark runner reading the pipe sees it at once.
                FileHandle.standardOutput.write(Data("LISTENING \(channel.localAddress?.port ?? 0)\n".utf8))
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(
            services: [app],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
