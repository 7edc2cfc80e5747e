/// One request to the other nodes (FETCH_SOCKETS, a counted BROADCAST, SERVER_SIDE_EMIT with acks): it waits for the
/// nodes alive when it was sent, and is finished once each answered or left, or when its time ran out.
struct ClusterRequestStateMachine {
    private enum State {
        case waiting(missing: Set<String>, answers: [ClusterAnswer])
        /// Its table forgets it: nothing reaches it any more.
        case finished
    }

    enum Action: Equatable {
        case keepWaiting
        case finish(ClusterRequestOutcome)
    }

    private var state: State

    /// `nodes`: not empty (a request to nobody is answered without being sent).
    init(waitingFor nodes: Set<String>) {
        precondition(!nodes.isEmpty, "a request to nobody is not sent")
        state = .waiting(missing: nodes, answers: [])
    }

    /// An answer from a node it does not wait for (one that joined after it was sent, or answered twice) is ignored.
    mutating func receive(_ answer: ClusterAnswer, from node: String) -> Action {
        guard case .waiting(var missing, var answers) = state else { preconditionFailure("answer to a finished request") }
        guard missing.remove(node) != nil else { return .keepWaiting }
        answers.append(answer)
        return settle(missing: missing, answers: answers)
    }

    /// The node left or went silent: the request no longer waits for it.
    mutating func nodeLeft(_ node: String) -> Action {
        guard case .waiting(var missing, let answers) = state else { preconditionFailure("node left a finished request") }
        guard missing.remove(node) != nil else { return .keepWaiting }
        return settle(missing: missing, answers: answers)
    }

    /// Its time ran out: finished with what came, naming the nodes that did not answer.
    mutating func timeOut() -> Action {
        guard case .waiting(let missing, let answers) = state else { preconditionFailure("timeout of a finished request") }
        state = .finished
        return .finish(ClusterRequestOutcome(answers: answers, missing: missing))
    }

    private mutating func settle(missing: Set<String>, answers: [ClusterAnswer]) -> Action {
        guard missing.isEmpty else {
            state = .waiting(missing: missing, answers: answers)
            return .keepWaiting
        }
        state = .finished
        return .finish(ClusterRequestOutcome(answers: answers, missing: []))
    }
}

/// How a request ended: the answers that came, and the nodes that did not answer in time (none unless it timed out).
struct ClusterRequestOutcome: Equatable {
    var answers: [ClusterAnswer]
    var missing: Set<String>
}
