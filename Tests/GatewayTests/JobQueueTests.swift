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

    /// A job that finishes inside `start` (no sleep) or later, from another thread (after `sleep`).
    private func job(_ log: Log, _ name: String, sleep: Duration = .zero) -> JobQueue.Job {
        JobQueue.Job(
            start: { finished in
                guard sleep > .zero else {
                    log.add(name)
                    finished()
                    return
                }
                Task {
                    try? await Task.sleep(for: sleep)
                    log.add(name)
                    finished()
                }
            },
            abandon: { log.add("abandoned \(name)") })
    }

    @Test func oneLaneRunsInSubmissionOrder() async {
        let queue = JobQueue(capacity: 1000, maxPendingPerLane: 1000)
        let log = Log()
        for index in 0..<200 {
            // Early jobs are slower, so a queue that ran a lane's jobs in parallel would reorder them.
            let admission = queue.submit(job(log, "\(index)", sleep: index < 5 ? .milliseconds(20) : .zero), lane: "a")
            #expect(admission == .accepted)
        }
        await queue.drain(grace: Self.unreachedGrace)
        #expect(log.all == (0..<200).map(String.init))
    }

    @Test func aLongLaneOfJobsFinishingInPlaceKeepsOrderWithoutDeepening() async {
        let queue = JobQueue(capacity: 100_000, maxPendingPerLane: 100_000)
        let log = Log()
        // The first job holds the lane, so the next 50,000 wait and then each finish inside their own start.
        queue.submit(job(log, "first", sleep: .milliseconds(50)), lane: "a")
        for index in 0..<50_000 { queue.submit(job(log, "\(index)"), lane: "a") }
        await queue.drain(grace: Self.unreachedGrace)
        #expect(log.all == ["first"] + (0..<50_000).map(String.init))
    }

    @Test func lanesRunInParallel() async {
        let queue = JobQueue(capacity: 10, maxPendingPerLane: 10)
        let log = Log()
        queue.submit(job(log, "slow", sleep: .milliseconds(300)), lane: "a")
        queue.submit(job(log, "fast"), lane: "b")
        await queue.drain(grace: Self.unreachedGrace)
        #expect(log.all == ["fast", "slow"])
    }

    @Test func limitsRefuseInsteadOfGrowing() async {
        let queue = JobQueue(capacity: 3, maxPendingPerLane: 2)
        let log = Log()
        #expect(queue.submit(job(log, "a1", sleep: .milliseconds(100)), lane: "a") == .accepted)
        #expect(queue.submit(job(log, "a2"), lane: "a") == .accepted)
        #expect(queue.submit(job(log, "a3"), lane: "a") == .laneFull)
        #expect(queue.submit(job(log, "b1", sleep: .milliseconds(100)), lane: "b") == .accepted)
        #expect(queue.submit(job(log, "c1"), lane: "c") == .queueFull)
        #expect(queue.submit(job(log, "bypass"), lane: "a", bypassingLimits: true) == .accepted)
        await queue.drain(grace: Self.unreachedGrace)
        #expect(Set(log.all) == ["a1", "a2", "b1", "bypass"])
        #expect(queue.submit(job(log, "late"), lane: "d") == .closed)
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
        queue.submit(job(log, "running", sleep: .milliseconds(300)), lane: "a")
        queue.submit(job(log, "waiting"), lane: "a")
        await queue.drain(grace: .milliseconds(50))
        #expect(log.all == ["abandoned waiting", "running"])
        #expect(queue.pendingCount == 0)
    }
}
