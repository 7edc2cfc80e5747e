import Synchronization
import Testing
@testable import Gateway

@Suite struct JobQueueTests {
    /// A grace period no drain here should reach (drain returns as soon as the queue is idle): the tests are about
    /// order and limits, not time, and a loaded machine (other suites block the cooperative threads) is slow.
    static let unreachedGrace: Duration = .seconds(300)
    /// Collects what jobs did, in order.
    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// Holds a job until the test opens it; the job then finishes on the opener's thread (at once if it starts after).
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, held: (@Sendable () -> Void)?)>((false, nil))

        func hold(_ finish: @escaping @Sendable () -> Void) {
            let openAlready = state.withLock { state in
                if !state.open { state.held = finish }
                return state.open
            }
            if openAlready { finish() }
        }

        func open() {
            state.withLock { state in
                state.open = true
                defer { state.held = nil }
                return state.held
            }?()
        }
    }

    /// A job that finishes inside `start`, or, behind a `gate`, when the test opens it.
    private func job(_ log: Log, _ name: String, bytes: Int = 0, gate: Gate? = nil, abandon: @escaping @Sendable () -> Void = {}) -> JobQueue.Job {
        JobQueue.Job(
            gateway: "/test", kind: .event, name: name, bytes: bytes,
            start: { run in
                let finish: @Sendable () -> Void = {
                    log.add(name)
                    run.finished()
                }
                if let gate { gate.hold(finish) } else { finish() }
            },
            abandon: {
                log.add("abandoned \(name)")
                abandon()
            })
    }

    @Test func oneLaneRunsInSubmissionOrder() async {
        let queue = JobQueue(capacity: 1000, maxPendingPerLane: 1000)
        let log = Log()
        // The first five jobs are held, and opened last to first: a queue that ran a lane's jobs in parallel would
        // finish the rest, and those five backwards, before job 0.
        let gates = (0..<5).map { _ in Gate() }
        for index in 0..<200 {
            let admission = queue.submit(job(log, "\(index)", gate: index < 5 ? gates[index] : nil), lane: "a")
            #expect(admission == .accepted)
        }
        #expect(log.all == [])
        for gate in gates.reversed() { gate.open() }
        await queue.drain(grace: Self.unreachedGrace)
        #expect(log.all == (0..<200).map(String.init))
    }

    @Test func aLongLaneOfJobsFinishingInPlaceKeepsOrderWithoutDeepening() async {
        let queue = JobQueue(capacity: 100_000, maxPendingPerLane: 100_000)
        let log = Log()
        // The first job holds the lane, so the next 50,000 wait and then each finish inside their own start.
        let first = Gate()
        queue.submit(job(log, "first", gate: first), lane: "a")
        for index in 0..<50_000 { queue.submit(job(log, "\(index)"), lane: "a") }
        #expect(log.all == [])
        first.open()
        await queue.drain(grace: Self.unreachedGrace)
        #expect(log.all == ["first"] + (0..<50_000).map(String.init))
    }

    @Test func lanesRunInParallel() async {
        let queue = JobQueue(capacity: 10, maxPendingPerLane: 10)
        let log = Log()
        let slow = Gate()
        queue.submit(job(log, "slow", gate: slow), lane: "a")
        queue.submit(job(log, "fast"), lane: "b")
        #expect(log.all == ["fast"])
        slow.open()
        await queue.drain(grace: Self.unreachedGrace)
        #expect(log.all == ["fast", "slow"])
    }

    @Test func limitsRefuseInsteadOfGrowing() async {
        let queue = JobQueue(capacity: 3, maxPendingPerLane: 2)
        let log = Log()
        let a1 = Gate(), b1 = Gate()
        #expect(queue.submit(job(log, "a1", gate: a1), lane: "a") == .accepted)
        #expect(queue.submit(job(log, "a2"), lane: "a") == .accepted)
        #expect(queue.submit(job(log, "a3"), lane: "a") == .laneFull)
        #expect(queue.submit(job(log, "b1", gate: b1), lane: "b") == .accepted)
        #expect(queue.submit(job(log, "c1"), lane: "c") == .queueFull)
        #expect(queue.submit(job(log, "bypass"), lane: "a", bypassingLimits: true) == .accepted)
        a1.open()
        b1.open()
        await queue.drain(grace: Self.unreachedGrace)
        #expect(Set(log.all) == ["a1", "a2", "b1", "bypass"])
        #expect(queue.submit(job(log, "late"), lane: "d") == .closed)
    }

    /// The payload budget: what pending jobs hold, freed as they finish; one job always gets in, however large.
    @Test func pendingBytesAreBudgeted() async {
        let queue = JobQueue(capacity: 100, maxPendingBytes: 100, maxPendingPerLane: 100)
        let log = Log()
        let a1 = Gate(), b1 = Gate()
        #expect(queue.submit(job(log, "a1", bytes: 60, gate: a1), lane: "a") == .accepted)
        #expect(queue.submit(job(log, "a2", bytes: 30), lane: "a") == .accepted)
        #expect(queue.submit(job(log, "b1", bytes: 20), lane: "b") == .queueBytesFull)
        #expect(queue.submit(job(log, "b2", bytes: 10, gate: b1), lane: "b") == .accepted)
        #expect(queue.submit(job(log, "c1", bytes: 1), lane: "c") == .queueBytesFull)
        a1.open()  // a1 and a2 finish: 90 bytes freed
        #expect(queue.submit(job(log, "c2", bytes: 90), lane: "c") == .accepted)
        b1.open()
        await queue.drain(grace: Self.unreachedGrace)
        #expect(Set(log.all) == ["a1", "a2", "b2", "c2"])
        let empty = JobQueue(capacity: 100, maxPendingBytes: 100, maxPendingPerLane: 100)
        #expect(empty.submit(job(log, "huge", bytes: 1_000), lane: "a") == .accepted)
        await empty.drain(grace: Self.unreachedGrace)
    }

    @Test func whenAcceptedRunsBeforeTheJob() async throws {
        let queue = JobQueue(capacity: 100, maxPendingPerLane: 100)
        let log = Log()
        for index in 0..<20 {
            queue.submit(job(log, "run \(index)"), lane: "a") { log.add("accepted \(index)") }
        }
        await queue.drain(grace: Self.unreachedGrace)
        let entries = log.all
        for index in 0..<20 {
            let accepted = try #require(entries.firstIndex(of: "accepted \(index)"))
            let ran = try #require(entries.firstIndex(of: "run \(index)"))
            #expect(accepted < ran)
        }
    }

    @Test func drainAbandonsWhatIsStillWaitingAfterTheGrace() async {
        let queue = JobQueue(capacity: 10, maxPendingPerLane: 10)
        let log = Log()
        // The running job is held until the waiting one is abandoned, so the grace always passes with both pending.
        let running = Gate()
        queue.submit(job(log, "running", gate: running), lane: "a")
        queue.submit(job(log, "waiting", abandon: { running.open() }), lane: "a")
        await queue.drain(grace: .milliseconds(50))
        #expect(log.all == ["abandoned waiting", "running"])
        #expect(queue.pendingCount == 0)
    }
}
