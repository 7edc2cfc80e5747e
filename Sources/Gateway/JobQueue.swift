import CoreMetrics
import DequeModule
import Logging
import ScriptSandbox
import Synchronization

/// The bounded queue every handler run goes through — a socket's connection handler, its events, its disconnect
/// handler, and change hooks: one FIFO lane per socket (or per hooked collection), lanes in parallel.
///
/// A lane runs its jobs one at a time in submission order, so a socket's events are handled in the order
/// it sent them while other sockets proceed (the script worker pool bounds how many run at once). The queue
/// refuses rather than grows: past `capacity` pending runs in total, `maxPendingBytes` of their events' payloads
/// together (what the queue's memory grows with: an event's parsed arguments take a few times its wire size), or
/// `maxPendingPerLane` for one socket,
/// ``submit(_:lane:whenAccepted:)`` says so and the caller answers the client.
///
/// No task per lane: a job says when it has finished (on the worker thread that ran it), and that starts the lane's
/// next job there, so an event's run costs no hop through the cooperative pool.
///
/// Every job is measured: its wait in the queue (`gatewayd_queue_wait_seconds`) and its run, from start to finished
/// (`gatewayd_handler_duration_seconds`, by gateway and kind); a run longer than `slowRun` is logged as a warning.
final class JobQueue: Sendable {
    struct Job: Sendable {
        /// The gateway whose handler runs, what for, and what it is called in logs (the event, `connection`, the
        /// hooked collection…): the labels of the job's run time.
        var gateway: String
        var kind: GatewayMetrics.HandlerKind
        var name: String
        /// Starts the job; it calls the run's `finished` once when done, from any thread (or before returning); the
        /// run is the owner of what it hands the worker pool, which tells it if that is given up before it ran.
        var start: @Sendable (_ run: JobRun) -> Void
        /// Called instead of `start` when the queue gives the job up (shutdown past its grace period).
        var abandon: @Sendable () -> Void
        /// The size of what it holds (an event's payload as it came), counted against `maxPendingBytes`.
        var bytes: Int
        /// Where its run time is recorded.
        var duration: CoreMetrics.Timer
        /// When it was accepted (``GatewayMetrics/now``).
        fileprivate var submitted: UInt64 = 0

        /// `duration` defaults to the handle of `gateway` and `kind` (a lookup: the event path passes its own).
        init(gateway: String, kind: GatewayMetrics.HandlerKind, name: String, bytes: Int = 0, duration: CoreMetrics.Timer? = nil,
             start: @escaping @Sendable (_ run: JobRun) -> Void, abandon: @escaping @Sendable () -> Void) {
            self.gateway = gateway
            self.kind = kind
            self.name = name
            self.bytes = bytes
            self.duration = duration ?? GatewayMetrics.shared.handlerDuration(gateway: gateway, kind: kind)
            self.start = start
            self.abandon = abandon
        }
    }

    enum Admission: Sendable, Equatable {
        case accepted
        case queueFull
        /// The pending jobs hold `maxPendingBytes` of payload already.
        case queueBytesFull
        case laneFull
        case closed
    }

    /// One socket's (or hooked collection's) jobs: those waiting, and how many are accepted and not finished.
    private struct Lane {
        var waiting: Deque<Job> = []
        var pending = 0
        var running = false
    }

    private struct State {
        /// Only lanes with pending jobs are kept.
        var lanes: [String: Lane] = [:]
        /// Accepted and not finished (waiting or running), in all lanes, and the bytes they hold.
        var pending = 0
        var pendingBytes = 0
        var accepting = true

        /// The lane's running job, `finished`, is done: the next one to start, or nil when the lane is idle.
        /// One lookup of the lane, changed in place (a lane's key is hashed on every event's path several times).
        mutating func next(in laneID: String, after finished: Job) -> Job? {
            pending -= 1
            pendingBytes -= finished.bytes
            guard let index = lanes.index(forKey: laneID) else { return nil }
            let (job, idle) = { (lane: inout Lane) -> (Job?, Bool) in
                lane.pending -= 1
                let job = lane.waiting.popFirst()
                lane.running = job != nil
                return (job, lane.pending == 0 && !lane.running)
            }(&lanes.values[index])
            if idle { lanes.remove(at: index) }
            return job
        }

        /// `body` on the lane of `laneID` (a new one if there is none), in place with one lookup.
        mutating func withLane<Result>(_ laneID: String, _ body: (inout Lane) -> Result) -> Result {
            body(&lanes[laneID, default: Lane()])
        }
    }

    let capacity: Int
    let maxPendingBytes: Int
    let maxPendingPerLane: Int
    /// Runs longer than this are logged.
    let slowRun: Duration
    private let slowRunNanoseconds: UInt64
    private let logger: Logger
    private let state = Mutex(State())

    init(capacity: Int, maxPendingBytes: Int = .max, maxPendingPerLane: Int, slowRun: Duration = .seconds(1),
         logger: Logger = Logger(label: "gatewayd.gateway")) {
        self.capacity = max(1, capacity)
        self.maxPendingBytes = max(1, maxPendingBytes)
        self.maxPendingPerLane = max(1, maxPendingPerLane)
        self.slowRun = slowRun
        self.slowRunNanoseconds = UInt64(slowRun / .nanoseconds(1))
        self.logger = logger
    }

    var pendingCount: Int { state.withLock { $0.pending } }

    /// What a client refused with ``Admission/queueBytesFull`` is told.
    var bytesFullMessage: String {
        "the server's job queue holds its limit of \(maxPendingBytes) bytes of pending events; retry later"
    }

    /// Queues `job` on `lane` unless a limit refuses it. `whenAccepted` runs before the job can start (so an
    /// acknowledgement it sends reaches the client before anything the job sends). `bypassingLimits` is for
    /// work that must follow what is queued whatever the load, like a disconnect handler.
    @discardableResult
    func submit(_ job: Job, lane laneID: String, bypassingLimits: Bool = false, whenAccepted: () -> Void = {}) -> Admission {
        var job = job
        let admission: Admission = state.withLock { state in
            if !bypassingLimits {
                guard state.accepting else { return .closed }
                guard state.pending < capacity else { return .queueFull }
                // One job is always let in, however large (the payload limit bounds it): the budget caps a backlog.
                guard state.pending == 0 || state.pendingBytes + job.bytes <= maxPendingBytes else { return .queueBytesFull }
            }
            // A lane refused for being full already exists (its pending count is the limit): none is left behind.
            let taken = state.withLane(laneID) { lane in
                guard bypassingLimits || lane.pending < maxPendingPerLane else { return false }
                lane.pending += 1
                return true
            }
            guard taken else { return .laneFull }
            state.pending += 1
            state.pendingBytes += job.bytes
            return .accepted
        }
        guard admission == .accepted else { return admission }
        job.submitted = GatewayMetrics.now
        whenAccepted()
        let startsLane: Bool = state.withLock { state in
            // The lane is still there: its pending count includes this job.
            state.withLane(laneID) { lane in
                if lane.running {
                    lane.waiting.append(job)
                    return false
                }
                lane.running = true
                return true
            }
        }
        if startsLane { run(job, lane: laneID) }
        return .accepted
    }

    /// Runs `job`, then the lane's next ones one after another until one finishes later than it started: its
    /// run's `finished` carries on (``laneGoesOn(_:after:)``).
    private func run(_ first: Job, lane laneID: String) {
        var job: Job? = first
        while let current = job {
            GatewayMetrics.shared.queueWaited(since: current.submitted)
            let run = JobRun(current, lane: laneID, queue: self)
            current.start(run)
            guard run.leaveStart() else { return }
            job = state.withLock { $0.next(in: laneID, after: current) }
        }
    }

    /// A lane's job finished after its `start` had returned: the lane's next job starts here, on the finishing thread.
    fileprivate func laneGoesOn(_ laneID: String, after finished: Job) {
        if let next = state.withLock({ $0.next(in: laneID, after: finished) }) { run(next, lane: laneID) }
    }

    /// Measures a finished run, and logs it when it was slow.
    fileprivate func ran(_ job: Job, lane laneID: String, since began: UInt64) {
        let elapsed = GatewayMetrics.shared.handlerRan(job.duration, since: began)
        guard elapsed > slowRunNanoseconds else { return }
        logger.warning("slow handler", metadata: [
            "gateway": "\(job.gateway)", "kind": "\(job.kind.rawValue)", "name": "\(job.name)",
            "durationMs": "\(elapsed / 1_000_000)", "lane": "\(laneID)",
        ])
    }

    /// Stops accepting jobs and waits for the pending ones. Jobs still waiting when `grace` has passed are
    /// abandoned, and `whenGraceEnds` gives up what started jobs handed on and has not begun (the worker pool's
    /// queue: one job per lane may wait there); the ones running then are waited for (each is bounded by its
    /// handler's time limit).
    func drain(grace: Duration, pollInterval: Duration = .milliseconds(10), whenGraceEnds: () -> Void = {}) async {
        state.withLock { $0.accepting = false }
        await waitUntilIdle(until: .now + grace, pollInterval: pollInterval)
        let abandoned: [Job] = state.withLock { state in
            var jobs: [Job] = []
            for (laneID, lane) in state.lanes where !lane.waiting.isEmpty {
                jobs.append(contentsOf: lane.waiting)
                state.lanes[laneID]?.waiting = []
                state.lanes[laneID]?.pending -= lane.waiting.count
                state.pending -= lane.waiting.count
                state.pendingBytes -= lane.waiting.reduce(0) { $0 + $1.bytes }
            }
            return jobs
        }
        for job in abandoned { job.abandon() }
        whenGraceEnds()
        await waitUntilIdle(until: .now + Self.runningJobsBound, pollInterval: pollInterval)
    }

    /// Longest a running job is waited for after the grace period: above any handler's time limit.
    static let runningJobsBound: Duration = .seconds(120)

    private func waitUntilIdle(until deadline: ContinuousClock.Instant, pollInterval: Duration) async {
        while pendingCount > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
        }
    }
}

/// One started job, handed to its `start`: the job calls ``finished()`` once it has run, or the worker pool tells it the
/// work it handed on was given up before it ran (``scriptJobWithdrawn()``: the job's `abandon`, then finished). It also
/// knows where the job is — still inside `start`, finished inside it, or left running once `start` returned — so that
/// whichever of `finished` and the end of `start` comes second goes on with the lane. One object per run, and no
/// closure: this is on every event's path.
final class JobRun: ScriptJobOwner {
    private static let starting: UInt8 = 0, finishedEarly: UInt8 = 1, running: UInt8 = 2
    private let job: JobQueue.Job
    private let laneID: String
    private let queue: JobQueue
    private let began = GatewayMetrics.now
    private let progress = Atomic<UInt8>(JobRun.starting)

    fileprivate init(_ job: JobQueue.Job, lane laneID: String, queue: JobQueue) {
        self.job = job
        self.laneID = laneID
        self.queue = queue
    }

    /// The job has run: it is measured, and the lane goes on (here, if `start` has returned already).
    func finished() {
        queue.ran(job, lane: laneID, since: began)
        let finishedInsideStart = progress.compareExchange(
            expected: Self.starting, desired: Self.finishedEarly, ordering: .acquiringAndReleasing).exchanged
        if !finishedInsideStart { queue.laneGoesOn(laneID, after: job) }
    }

    func scriptJobWithdrawn() {
        job.abandon()
        finished()
    }

    /// `start` returned; true when the job had already finished (the caller goes on with the lane).
    fileprivate func leaveStart() -> Bool {
        !progress.compareExchange(expected: Self.starting, desired: Self.running, ordering: .acquiringAndReleasing).exchanged
    }
}
