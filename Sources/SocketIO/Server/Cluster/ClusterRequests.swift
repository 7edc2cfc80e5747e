import NIOCore

/// The requests an adapter waits on, by request id, each with its caller's continuation and its timeout: what the
/// adapter's lock guards. Every method returns the requests it finished, to be resumed outside the lock.
struct ClusterRequests {
    typealias Continuation = CheckedContinuation<ClusterRequestOutcome, Never>

    /// A finished request: its caller resumes with `outcome` and its timer is cancelled.
    struct Completion {
        fileprivate let continuation: Continuation
        fileprivate let timer: Scheduled<Void>
        fileprivate let outcome: ClusterRequestOutcome

        func resume() {
            timer.cancel()
            continuation.resume(returning: outcome)
        }
    }

    private struct Pending {
        var machine: ClusterRequestStateMachine
        let continuation: Continuation
        let timer: Scheduled<Void>
    }

    private var pending: [String: Pending] = [:]

    /// `timer` calls ``timeOut(_:)`` with `id` once the request's time runs out.
    mutating func start(_ id: String, waitingFor nodes: Set<String>, timer: Scheduled<Void>, continuation: Continuation) {
        let previous = pending.updateValue(
            Pending(machine: ClusterRequestStateMachine(waitingFor: nodes), continuation: continuation, timer: timer), forKey: id)
        precondition(previous == nil, "request id used twice")
    }

    /// An answer to a request that is no longer waiting (timed out, or another node's) is ignored.
    mutating func receive(_ answer: ClusterAnswer, for id: String, from node: String) -> Completion? {
        update(id) { $0.receive(answer, from: node) }
    }

    /// The request's time ran out. One that finished meanwhile (its timer racing its last answer) is gone already.
    mutating func timeOut(_ id: String) -> Completion? {
        update(id) { $0.timeOut() }
    }

    /// No request waits for `node` any more.
    mutating func nodeLeft(_ node: String) -> [Completion] {
        pending.keys.compactMap { id in update(id) { $0.nodeLeft(node) } }
    }

    private mutating func update(_ id: String, _ event: (inout ClusterRequestStateMachine) -> ClusterRequestStateMachine.Action) -> Completion? {
        guard var request = pending[id] else { return nil }
        switch event(&request.machine) {
        case .keepWaiting:
            pending[id] = request
            return nil
        case .finish(let outcome):
            pending.removeValue(forKey: id)
            return Completion(continuation: request.continuation, timer: request.timer, outcome: outcome)
        }
    }
}
