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
        guard case .answer(2, .packets([.message("a")])) = machine.send([.message("a")], volatile: false) else { Issue.record(); return }
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
        guard case .answer(1, .packets([.message("taken")])) = machine.send([.message("taken")], volatile: true) else { Issue.record(); return }
    }

    @Test func theProbeUpgradesAndFlushesWhatWaited() {
        var machine = polling()
        let socket = Socket()
        let accepted = machine.beginUpgrade(with: socket)
        #expect(accepted == .probing)
        let second = Socket()
        let secondAccepted = machine.beginUpgrade(with: second)
        #expect(secondAccepted == .refusedOnceProbeEnds, "a second probe waits for the first to be decided")
        #expect(machine.refusalsOnceProbeEnded().isEmpty)
        _ = machine.poll(1)
        guard case .probe(.answer(let answered)) = machine.receive(EnginePacket(.ping, .text("probe")), from: .socket(socket)),
              answered === socket
        else { Issue.record(); return }
        // The held poll is answered by the fast-upgrade release with a noop; what is sent meanwhile waits for the upgrade.
        guard case .none = machine.send([.message("later")], volatile: false) else { Issue.record(); return }
        guard case (1, .packets([EnginePacket(.noop)]))? = machine.releaseHeldPoll() else { Issue.record(); return }
        guard case .probe(.upgraded(let transport, let flushed, nil)) = machine.receive(EnginePacket(.upgrade), from: .socket(socket)),
              transport === socket
        else { Issue.record(); return }
        #expect(flushed == [.message("later")])
        #expect(machine.isTransport(socket))
        #expect(machine.refusalsOnceProbeEnded().map { $0 === second } == [true])
        let afterUpgrade = machine.beginUpgrade(with: Socket())
        #expect(afterUpgrade == .refused)
        guard case .write([.message("x")], let target) = machine.send([.message("x")], volatile: false), target === socket
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
        guard case .probe(.upgraded(_, _, refusing: 1)) = machine.receive(EnginePacket(.upgrade), from: .socket(socket))
        else { Issue.record(); return }
        guard case .answer(2, .refused(.badRequest)) = machine.poll(2) else { Issue.record(); return }
        #expect(machine.admitPost() == .badRequest)
    }

    @Test func aPollDuringAnAnsweredProbeWaitsForTheUpgrade() {
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        _ = machine.send([.message("queued")], volatile: false)
        _ = machine.receive(EnginePacket(.ping, .text("probe")), from: .socket(socket))
        guard case .holdDuringUpgrade = machine.poll(1) else { Issue.record(); return }
        guard case .probe(.upgraded(_, let flushed, refusing: 1)) = machine.receive(EnginePacket(.upgrade), from: .socket(socket))
        else { Issue.record(); return }
        #expect(flushed == [.message("queued")])
    }

    @Test func anUpgradeTimeoutDropsTheProbeAndPollingGoesOn() {
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        _ = machine.poll(1)
        let dropped = machine.abandonUpgrade(of: socket)
        #expect(dropped)
        let droppedAgain = machine.abandonUpgrade(of: socket)
        #expect(!droppedAgain, "only once")
        // Polling goes on: the held poll takes the next packets.
        guard case .answer(1, .packets([.message("next")])) = machine.send([.message("next")], volatile: false)
        else { Issue.record(); return }
        // Frames from the dropped probe are ignored.
        guard case .none = machine.receive(EnginePacket(.upgrade), from: .socket(socket)) else { Issue.record(); return }
        let newAccepted = machine.beginUpgrade(with: Socket())
        #expect(newAccepted == .probing, "a new probe may start")
    }

    @Test func aProbeThatSendsSomethingElseIsAbandoned() {
        var machine = polling()
        let socket = Socket()
        _ = machine.beginUpgrade(with: socket)
        guard case .probe(.abandon(let dropped)) = machine.receive(.message("hi"), from: .socket(socket)), dropped === socket
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
        guard case .answer(1, .refused(.badRequest)) = machine.poll(1) else { Issue.record(); return }
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
