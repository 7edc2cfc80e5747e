@testable import EngineIO
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// A heartbeat that has run out closes the session for the next request, even when a busy loop has not fired its
/// timer yet (here: an embedded loop whose clock never moves).
@Suite struct EngineSessionHeartbeatTests {
    final class Silent: EngineSessionDelegate {
        func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {}
        func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {}
    }

    @Test(.timeLimit(.minutes(1))) func aPollPastTheHeartbeatDeadlineFindsTheSessionClosed() async throws {
        let loop = EmbeddedEventLoop()
        var options = EngineIOOptions()
        // Long enough that the first poll comes before the deadline even on a loaded machine (CI measured 2 ms as too
        // short), short enough to wait out.
        options.pingInterval = .milliseconds(250)
        options.pingTimeout = .milliseconds(250)
        // v3: the client's own ping is due within pingInterval + pingTimeout of the handshake.
        let session = EngineSession(
            id: "sid", version: .v3, transport: nil,
            handshake: HandshakeRequest(headers: [:], query: [:], address: "", issued: 0, url: "/"),
            environment: EngineSessionEnvironment(options: options, logger: Logger(label: "test")), eventLoop: loop)
        let started = NIODeadline.now()
        session.start(upgrades: []) { Silent() }
        #expect(await session.poll() != .refused(.unknownSession), "the open packet, while the heartbeat runs")
        // Past the deadline, 500 ms after the handshake on the real clock (the loop's own clock never moves).
        let remaining = started + .milliseconds(510) - NIODeadline.now()
        if remaining > .zero { try await Task.sleep(nanoseconds: UInt64(remaining.nanoseconds)) }
        #expect(await session.poll() == .refused(.unknownSession))
    }
}
