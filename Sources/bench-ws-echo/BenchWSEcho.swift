import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

/// Raw WebSocket echo on the same Hummingbird stack as gatewayd: the ceiling for the echo-ack benchmark.
///
/// Upgrades a WebSocket request on any path and writes every message back unchanged (text as text,
/// binary as binary). No Engine.IO, no Socket.IO, no Lua. Prints `LISTENING <port>` once it accepts
/// connections and stops on SIGTERM or SIGINT.
@main
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

        // The upgrade is decided from the request head in the server channel, for every request carrying
        // `Upgrade: websocket` whatever its path, as gatewayd wires it (not through a WebSocket router, whose
        // request-context box keeps every connection's context alive in hummingbird-websocket 2.8.1).
        let router = Router()
        router.get("/health") { _, _ in "ok" }
        let maxSize = maxFrameSize
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(configuration: .init(ws: .init(maxFrameSize: maxSize, autoPing: .disabled))) { _, _, _ in
                .upgrade([:]) { inbound, outbound, _ in
                    // On SIGTERM/SIGINT the loop is cancelled, so open connections do not hold the shutdown.
                    try? await cancelWhenGracefulShutdown {
                        for try await message in inbound.messages(maxSize: maxSize) {
                            switch message {
                            case .text(let text): try await outbound.write(.text(text))
                            case .binary(let buffer): try await outbound.write(.binary(buffer))
                            }
                        }
                    }
                    // Errors (the peer went away, a message too large) just end the connection.
                }
            },
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
