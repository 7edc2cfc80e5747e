@testable import EngineIO
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// A polling session's packets that wait for a poll count in the server's outbound budget, leave it when a poll takes
/// them or the session closes, and a session whose outbox grows while the total is past the budget is closed.
@Suite struct OutboundBudgetTests {
    final class Silent: EngineSessionDelegate {
        func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {}
        func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {}
    }

    private static func pollingSession(_ id: String, in environment: EngineSessionEnvironment, on loop: EmbeddedEventLoop) -> EngineSession {
        let session = EngineSession(
            id: id, version: .v4, transport: nil,
            handshake: HandshakeRequest(headers: [:], query: [:], address: "", issued: 0, url: "/"),
            environment: environment, eventLoop: loop)
        environment.sessions.withLock { $0[id] = session }
        session.start(upgrades: []) { Silent() }
        return session
    }

    private static func message(_ bytes: Int) -> [EnginePacket] {
        [EnginePacket(.message, .text(String(repeating: "x", count: bytes)))]
    }

    @Test func pollingOutboxesCountInTheBudgetUntilTakenOrClosed() async throws {
        let loop = EmbeddedEventLoop()
        var options = EngineIOOptions()
        options.maxOutboundTotalBytes = 10_000
        let environment = EngineSessionEnvironment(options: options, logger: Logger(label: "test"))
        let budget = environment.outboundBudget
        let first = Self.pollingSession("first", in: environment, on: loop)
        let opened = budget.total
        #expect(opened > 0, "the open packet waits for the first poll")
        _ = await first.poll()
        #expect(budget.total == 0)

        first.send(Self.message(4_000))
        let second = Self.pollingSession("second", in: environment, on: loop)
        _ = await second.poll()
        second.send(Self.message(4_000))
        #expect(budget.total == 8_000)
        // Past the total: the session whose outbox grew goes, and what it held leaves the budget; the other stays.
        second.send(Self.message(4_000))
        #expect(budget.total == 4_000)
        #expect(environment.sessions.withLock { $0["second"] } == nil)
        #expect(environment.sessions.withLock { $0["first"] } === first)
        // A poll takes the rest; a closing session gives back what still waited.
        _ = await first.poll()
        #expect(budget.total == 0)
        first.send(Self.message(1_000))
        #expect(budget.total == 1_000)
        first.close(reason: .transportClose)
        #expect(budget.total == 0)
    }
}
