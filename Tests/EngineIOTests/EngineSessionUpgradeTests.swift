import Dispatch
@testable import EngineIO
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// A polling session on loop A upgraded to a WebSocket on loop B: once the upgrade is done, the WebSocket's messages go
/// to the delegate on B, but never ahead of a packet B handed to A earlier that A has not handled yet. The loops are
/// held with gates, so each interleaving is forced rather than hoped for.
@Suite struct EngineSessionUpgradeTests {
    final class Recorder: EngineSessionDelegate {
        let texts = Mutex<[String]>([])
        func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {
            if case .text(let text) = payload { texts.withLock { $0.append(text) } }
        }
        func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {}
    }

    /// Holds a loop until opened: `hold(loop)` queues the wait as the loop's next task.
    final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        func hold(_ loop: any EventLoop) { loop.execute { self.semaphore.wait() } }
        func open() { semaphore.signal() }
    }

    /// Polls `condition` (bounded) until it holds.
    private func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        return condition()
    }

    @Test(.timeLimit(.minutes(1))) func upgradedMessagesFollowWhatIsStillOnItsWayAndOtherwiseSkipTheSessionsLoop() async throws {
        let sessionLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let socketLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var failure: (any Error)?
        do {
            try await upgrade(sessionLoop: sessionLoops.next(), socketLoop: socketLoops.next())
        } catch {
            failure = error
        }
        try await sessionLoops.shutdownGracefully()
        try await socketLoops.shutdownGracefully()
        if let failure { throw failure }
    }

    private func upgrade(sessionLoop loopA: any EventLoop, socketLoop loopB: any EventLoop) async throws {
        // A channel of B's for the transport to belong to; it never writes (its pipeline is never attached).
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let channel = try await NIOPipeBootstrap(group: loopB).takingOwnershipOfDescriptors(input: fds[0], output: fds[1]).get()
        let webSocket = try await loopB.submit {
            WebSocketTransport(channel: channel, version: .v4, limit: 1 << 20, budget: OutboundBudget(limit: 0), flusher: ChannelFlusher(eventLoop: loopB))
        }.get()

        let session = EngineSession(
            id: "sid", version: .v4, transport: nil,
            handshake: HandshakeRequest(headers: [:], query: [:], address: "", issued: 0, url: "/"),
            environment: EngineSessionEnvironment(options: EngineIOOptions(), logger: Logger(label: "test")), eventLoop: loopA)
        let recorder = Recorder()
        session.start(upgrades: ["websocket"]) { recorder }
        try await session.beginUpgrade(with: webSocket).get()
        let read = { (packet: EnginePacket) in try await loopB.submit { session.receive(packet, from: webSocket) }.get() }
        try await read(EnginePacket(.ping, .text("probe")))

        // "5" and then M1 are read while A is held: both wait on A, M1 behind a second gate.
        let first = Gate(), second = Gate()
        first.hold(loopA)
        try await read(EnginePacket(.upgrade))
        second.hold(loopA)
        try await read(EnginePacket(.message, .text("M1")))
        first.open()
        // A has taken the upgrade in (and is held by the second gate): M1 is still on its way.
        #expect(try await eventually { session.transport == .websocket })
        try await read(EnginePacket(.message, .text("M2")))
        #expect(recorder.texts.withLock { $0 }.isEmpty, "M2 went past M1, which A has not handled yet")
        second.open()
        #expect(try await eventually { recorder.texts.withLock { $0 }.count == 2 })
        #expect(recorder.texts.withLock { $0 } == ["M1", "M2"])

        // Nothing on its way now: a message reaches the delegate on B while A is held.
        let third = Gate()
        third.hold(loopA)
        try await read(EnginePacket(.message, .text("M3")))
        #expect(recorder.texts.withLock { $0 } == ["M1", "M2", "M3"], "M3 waited for the session's loop")
        third.open()
        try await channel.close()
    }
}
