import NIOCore

/// A run phase (connecting, joining, closing) that did not finish in time: the generator gives up instead of
/// hanging on a server that stopped answering.
struct PhaseTimeout: Error, CustomStringConvertible {
    let phase: String
    let after: TimeAmount

    var description: String { "\(phase) did not finish within \(after.nanoseconds / 1_000_000_000) s" }
}

extension EventLoopFuture where Value == Void {
    /// This future, failed with `PhaseTimeout` if it has not completed after `amount`.
    func bounded(by amount: TimeAmount, on loop: EventLoop, phase: String) -> EventLoopFuture<Void> {
        let promise = loop.makePromise(of: Void.self)
        let deadline = loop.scheduleTask(in: amount) { promise.fail(PhaseTimeout(phase: phase, after: amount)) }
        whenComplete { _ in deadline.cancel() }
        cascade(to: promise)
        return promise.futureResult
    }
}
