@testable import EngineIO
import Testing

/// The session's rules on their own: polls are numbered, WebSockets are stand-in objects.
@Suite struct EngineSessionStateMachineTests {
    final class Socket {}
    typealias Machine = EngineSessionStateMachine<Int, Socket>

    private func polling(limit: Int = 1 << 20) -> Machine {
        Machine(transport: nil, version: .v4, outboxLimit: limit)
    }

    @Test func handshakeQueuesTheOpenPacketForTheFirstPoll() {
        var machine = polling()
        guard case .none = machine.send([EnginePacket(.open, .text("{}"))], volatile: false) else { Issue.record(); return }
        guard case .answer(1, .packets([EnginePacket(.open, .text("{}"))])) = machine.poll(1) else { Issue.record(); return }
        // Nothing waits now: the next poll is held, and the next send answers it.
        guard case .hold = machine.poll(2) else { Issue.record(); return }
        guard case .answer(2, [.message("a")]) = machine.send([.message("a")], volatile: false) else { Issue.record(); return }
    }

    @Test func aPollCarriesAtMostSixteenPacketsAndTheRestWait() {
        var machine = polling()
        let packets = (0..<20).map { EnginePacket.message("\($0)") }
        for packet in packets {
            guard case .none = machine.send([packet], volatile: false) else { Issue.record(); return }
        }
        guard case .answer(1, .packets(let first)) = machine.poll(1) else { Issue.record(); return }
        #expect(first == Array(packets.prefix(16)))
        guard case .answer(2, .packets(let rest)) = machine.poll(2) else { Issue.record(); return }
        #expect(rest == Array(packets.suffix(4)))
        guard case .hold = machine.poll(3) else { Issue.record(); return }
    }

    @Test func anOverlappingPollIsRefused() {
        var machine = polling()
        _ = machine.poll(1)
        guard case .refuseOverlap(2) = machine.poll(2) else { Issue.record(); return }
        // Closing answers the poll that was held.
        let closed = machine.close(releasingPollWith: EnginePacket(.close))
        #expect(closed?.heldPoll == 1)
    }

    @Test func aVolatileSendNeedsAWaitingPoll() {
        var machine = polling()
        guard case .none = machine.send([.message("dropped")], volatile: true) else { Issue.record(); return }
        _ = machine.poll(1)
        guard case .answer(1, [.message("taken")]) = machine.send([.message("taken")], volatile: true) else { Issue.record(); return }
    }

    @Test func theProbeUpgradesAndFlushesWhatWaited() {
        var machine = polling()
        let socket = Socket()
        let accepted = machine.beginUpgrade(with: socket)
        guard case .probing = accepted else { Issue.record("accepted: expected .probing"); return }
        let second = Socket()
        let secondAccepted = machine.beginUpgrade(with: second)
        guard case .refusedOnceProbeEnds = secondAccepted else { Issue.record("a second probe waits for the first to be decided"); return }
        _ = machine.poll(1)
        guard case .probe(.answer(let answered)) = machine.receive(EnginePacket(.ping, .text("probe")), from: .socket(socket)),
              answered === socket
        else { Issue.record(); return }
        // The held poll is answered by the fast-upgrade release with a noop; what is sent meanwhile waits for the upgrade.
        guard case .none = machine.send([.message("later")], volatile: false) else { Issue.record(); return }
        guard case (1, [EnginePacket(.noop)])? = machine.releaseHeldPoll() else { Issue.record(); return }
        guard case .probe(.upgraded(let transport, let flushed, let refusals)) = machine.receive(EnginePacket(.upgrade), from: .socket(socket)),
              transport === socket
        else { Issue.record(); return }
        #expect(flushed == [.message("later")])
        #expect(refusals.poll == nil, "the held poll was released")
        #expect(machine.isTransport(socket))
        // The official suite's "ignores WebSocket connection with same sid after upgrade": a WebSocket that comes
        // after the upgrade is refused once the upgraded one's writes (`3probe`) are out.
        let late = Socket()
        guard case .refusedAfterWrites(let refusals) = machine.beginUpgrade(with: late) else { Issue.record(); return }
        #expect(refusals.transport === socket && refusals.webSockets.count == 1 && refusals.webSockets[0] === late)
        #expect(refusals.poll == nil)
        guard case .write(let target) = machine.send([.message("x")], volatile: false), target === socket
        else { Issue.record(); return }
    }

    @Test func aPollRacingTheUpgradeIsRefused() {
        // The official suite's "ignores HTTP requests with same sid after upgrade": the GET is handled before the
        // probe's frames.
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        guard case .hold = machine.poll(1) else { Issue.record(); return }
        _ = machine.receive(EnginePacket(.ping, .text("probe")), from: .socket(socket))
        guard case .probe(.upgraded(_, _, let refusals)) = machine.receive(EnginePacket(.upgrade), from: .socket(socket)),
              refusals.poll == 1
        else { Issue.record(); return }
        guard case .refuseAfterWrites(let late) = machine.poll(2), late.poll == 2 else { Issue.record(); return }
        #expect(machine.admitPost() == .badRequest)
    }

    @Test func aPollDuringAnAnsweredProbeWaitsForTheUpgrade() {
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        _ = machine.send([.message("queued")], volatile: false)
        _ = machine.receive(EnginePacket(.ping, .text("probe")), from: .socket(socket))
        guard case .holdDuringUpgrade = machine.poll(1) else { Issue.record(); return }
        guard case .probe(.upgraded(_, let flushed, let refusals)) = machine.receive(EnginePacket(.upgrade), from: .socket(socket)),
              refusals.poll == 1
        else { Issue.record(); return }
        #expect(flushed == [.message("queued")])
    }

    // MARK: What waits for the upgraded transport's writes

    /// A session upgraded to `socket`: probed, answered, upgraded.
    private func upgraded(to socket: Socket) -> Machine {
        var machine = polling()
        _ = machine.beginUpgrade(with: socket)
        _ = machine.receive(EnginePacket(.ping, .text("probe")), from: .socket(socket))
        _ = machine.receive(EnginePacket(.upgrade), from: .socket(socket))
        return machine
    }

    @Test func aPollAfterTheUpgradeIsRefusedOnlyAfterTheTransportsWrites() {
        let socket = Socket()
        var machine = upgraded(to: socket)
        guard case .refuseAfterWrites(let refusals) = machine.poll(1) else {
            Issue.record("refused at once: the client could see the refusal before `3probe`")
            return
        }
        #expect(refusals.transport === socket)
        #expect(refusals.poll == 1)
        #expect(refusals.webSockets.isEmpty)
    }

    @Test func theStaleHeldPollIsRefusedAfterTheUpgradedTransportsWrites() {
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        _ = machine.receive(EnginePacket(.ping, .text("probe")), from: .socket(socket))
        guard case .holdDuringUpgrade = machine.poll(1) else { Issue.record(); return }
        guard case .probe(.upgraded(_, _, let refusals)) = machine.receive(EnginePacket(.upgrade), from: .socket(socket))
        else { Issue.record(); return }
        #expect(refusals.transport === socket)
        #expect(refusals.poll == 1)
        #expect(machine.releaseHeldPoll() == nil, "the stale poll is no longer held")
    }

    @Test func aWebSocketThatWaitedForTheProbeIsRefusedAfterTheUpgradedTransportsWrites() {
        var machine = polling()
        let socket = Socket()
        let second = Socket()
        _ = machine.beginUpgrade(with: socket)
        let secondAdmission = machine.beginUpgrade(with: second)
        guard case .refusedOnceProbeEnds = secondAdmission else { Issue.record("secondAdmission: expected .refusedOnceProbeEnds"); return }
        _ = machine.receive(EnginePacket(.ping, .text("probe")), from: .socket(socket))
        guard case .probe(.upgraded(_, _, let refusals)) = machine.receive(EnginePacket(.upgrade), from: .socket(socket))
        else { Issue.record(); return }
        #expect(refusals.transport === socket)
        #expect(refusals.webSockets.map { $0 === second } == [true])
        // Refused once: closing the session does not refuse it again.
        #expect(machine.close(releasingPollWith: EnginePacket(.close))?.waitingWebSockets.isEmpty == true)
    }

    @Test func aWebSocketThatWaitedForADroppedProbeIsRefusedAtOnce() {
        var machine = polling()
        let socket = Socket()
        let second = Socket()
        _ = machine.beginUpgrade(with: socket)
        _ = machine.beginUpgrade(with: second)
        #expect(machine.abandonUpgrade(of: socket)?.map { $0 === second } == [true])
        let third = Socket()
        _ = machine.beginUpgrade(with: third)
        _ = machine.beginUpgrade(with: second)
        guard case .probe(.abandon(_, let refused)) = machine.receive(.message("hi"), from: .socket(third)),
              refused.map({ $0 === second }) == [true]
        else { Issue.record(); return }
        _ = machine.beginUpgrade(with: socket)
        _ = machine.beginUpgrade(with: second)
        #expect(machine.close(releasingPollWith: EnginePacket(.close))?.waitingWebSockets.map { $0 === second } == [true])
    }

    @Test func anUpgradeTimeoutDropsTheProbeAndPollingGoesOn() {
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        _ = machine.poll(1)
        let dropped = machine.abandonUpgrade(of: socket)
        #expect(dropped?.isEmpty == true)
        let droppedAgain = machine.abandonUpgrade(of: socket)
        #expect(droppedAgain == nil, "only once")
        // Polling goes on: the held poll takes the next packets.
        guard case .answer(1, [.message("next")]) = machine.send([.message("next")], volatile: false)
        else { Issue.record(); return }
        // Frames from the dropped probe are ignored.
        guard case .none = machine.receive(EnginePacket(.upgrade), from: .socket(socket)) else { Issue.record(); return }
        let newAccepted = machine.beginUpgrade(with: Socket())
        guard case .probing = newAccepted else { Issue.record("a new probe may start"); return }
    }

    @Test func aProbeThatSendsSomethingElseIsAbandoned() {
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        guard case .probe(.abandon(let dropped, let refused)) = machine.receive(.message("hi"), from: .socket(socket)),
              dropped === socket, refused.isEmpty
        else { Issue.record(); return }
        #expect(!machine.isTransport(socket))
    }

    @Test func theClientClosingOverPostLeavesANoopForItsLastPoll() {
        var machine = polling()
        guard case .close(.transportClose, let answer) = machine.receive(EnginePacket(.close), from: .post) else { Issue.record(); return }
        #expect(answer == EnginePacket(.noop))
        let firstClose = machine.close(releasingPollWith: answer)
        #expect(firstClose != nil)
        let secondClose = machine.close(releasingPollWith: answer)
        #expect(secondClose == nil, "closes once")
        // A late poll after close gets the noop once, then the session is unknown.
        guard case .answer(1, .packets([EnginePacket(.noop)])) = machine.poll(1) else { Issue.record(); return }
        guard case .answer(2, .refused(.unknownSession)) = machine.poll(2) else { Issue.record(); return }
        #expect(machine.admitPost() == .unknownSession)
    }

    @Test func aServerCloseAnswersTheHeldPollAndDropsTheProbe() {
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        _ = machine.poll(1)
        let closed = machine.close(releasingPollWith: EnginePacket(.close))
        #expect(closed?.heldPoll == 1)
        #expect(closed?.probe === socket)
        guard case .answer(2, .refused(.unknownSession)) = machine.poll(2) else { Issue.record(); return }
        guard case .none = machine.send([.message("late")], volatile: false) else { Issue.record(); return }
    }

    @Test func aWebSocketSessionClosesItsSocket() {
        let socket = Socket()
        var machine = Machine(transport: socket, version: .v4, outboxLimit: 1 << 20)
        guard case .deliver(.text("hi")) = machine.receive(.message("hi"), from: .socket(socket)) else { Issue.record(); return }
        guard case .none = machine.receive(.message("stale"), from: .socket(Socket())) else { Issue.record(); return }
        guard case .refuseAfterWrites(let refusals) = machine.poll(1), refusals.poll == 1, refusals.transport === socket
        else { Issue.record(); return }
        let closed = machine.close(releasingPollWith: EnginePacket(.close))
        #expect(closed?.webSocket === socket)
    }

    @Test func heartbeatsFollowTheProtocolVersion() {
        let socket = Socket()
        var v4 = Machine(transport: socket, version: .v4, outboxLimit: 1 << 20)
        guard case .heartbeatAnswered = v4.receive(EnginePacket(.pong), from: .socket(socket)) else { Issue.record(); return }
        // A v4 client must not ping.
        guard case .close(.transportError, _) = v4.receive(EnginePacket(.ping), from: .socket(socket)) else { Issue.record(); return }
        var v3 = Machine(transport: socket, version: .v3, outboxLimit: 1 << 20)
        guard case .pong(nil) = v3.receive(EnginePacket(.ping), from: .socket(socket)) else { Issue.record(); return }
    }

    @Test func anOutboxPastItsLimitOverflows() {
        var machine = polling(limit: 10)
        guard case .none = machine.send([.message("12345")], volatile: false) else { Issue.record(); return }
        guard case .overflowed = machine.send([.message("123456")], volatile: false) else { Issue.record(); return }
    }
}
