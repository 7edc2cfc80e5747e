import Testing

@testable import SocketIO

@Suite struct ClusterRequestStateMachineTests {
    @Test func finishesWhenEveryNodeAnswered() {
        var request = ClusterRequestStateMachine(waitingFor: ["b", "c"])
        #expect(request.receive(.socketCount(1), from: "b") == .keepWaiting)
        #expect(request.receive(.socketCount(5), from: "b") == .keepWaiting, "a second answer is ignored")
        #expect(request.receive(.socketCount(7), from: "d") == .keepWaiting, "so is a node it did not ask")
        #expect(request.receive(.socketCount(2), from: "c") == .finish(ClusterRequestOutcome(answers: [.socketCount(1), .socketCount(2)], missing: [])))
    }

    @Test func stopsWaitingForNodesThatLeave() {
        var request = ClusterRequestStateMachine(waitingFor: ["b", "c"])
        #expect(request.receive(.clientCount(3), from: "b") == .keepWaiting)
        #expect(request.nodeLeft("d") == .keepWaiting)
        #expect(request.nodeLeft("c") == .finish(ClusterRequestOutcome(answers: [.clientCount(3)], missing: [])))
    }

    @Test func aTimeoutNamesTheNodesThatDidNotAnswer() {
        var request = ClusterRequestStateMachine(waitingFor: ["b", "c", "d"])
        #expect(request.receive(.serverSideEmit(["ok"]), from: "c") == .keepWaiting)
        #expect(request.timeOut() == .finish(ClusterRequestOutcome(answers: [.serverSideEmit(["ok"])], missing: ["b", "d"])))
    }
}
