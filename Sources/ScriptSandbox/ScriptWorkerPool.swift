import DequeModule
import Dispatch
import Foundation
import JSONCore
import Logging
import Synchronization

/// Runs handlers on a fixed set of dedicated threads, each owning one ``LuaSandbox``.
///
/// Lua is single-threaded and a handler may legitimately compute for seconds, so handlers never run on a
/// network event loop: ``submit(_:context:socket:services:limits:completion:)`` queues the job and calls back on the
/// worker thread that ran it (so the outcome can go straight to a connection, no hop through the cooperative pool);
/// ``run(_:context:socket:services:limits:)`` waits for it instead. Each worker caches loaded chunks per
/// ``CompiledScript/id``.
public final class ScriptWorkerPool: Sendable {
    private struct Job: Sendable {
        var script: CompiledScript
        var context: HandlerContext
        var socket: any HandlerSocket
        var services: HandlerServices
        var limits: HandlerLimits
        var completion: @Sendable (HandlerOutcome) -> Void
        var owner: (any ScriptJobOwner)?

        /// Gives the job up before it ran: its owner is told, or its completion gets a failure without one.
        func withdraw() {
            if let owner { owner.scriptJobWithdrawn() } else { completion(ScriptWorkerPool.shutDownOutcome) }
        }
    }

    private struct Queue {
        var jobs: Deque<Job> = []
        var closed = false
    }

    private let queue = Mutex(Queue())
    /// Each worker's Lua state's memory after its last run.
    private let memory: Mutex<[Int]>
    private let available = DispatchSemaphore(value: 0)
    private let workerCount: Int
    private let logger: Logger

    /// Starts `workers` threads (at least one), each opening its Lua state.
    public init(workers: Int, chunkCacheCapacity: Int = 128, logger: Logger = Logger(label: "gatewayd.script-sandbox")) {
        self.workerCount = max(1, workers)
        self.logger = logger
        self.memory = Mutex(Array(repeating: 0, count: max(1, workers)))
        for index in 0..<workerCount {
            // Lua's C-stack limit (200 nested C calls) and the sandbox's conversions fit well within 16 MiB.
            startNamedThread("lua-worker-\(index)", stackSize: 16 << 20) { [self] in
                self.work(index, chunkCacheCapacity: chunkCacheCapacity)
            }
        }
    }

    /// Bytes the workers' Lua states held after their last runs, together.
    public var memoryInUse: Int { memory.withLock { $0.reduce(0, +) } }

    /// Runs `script` on a worker thread; suspends until it has finished.
    public func run(
        _ script: CompiledScript,
        context: HandlerContext,
        socket: any HandlerSocket,
        services: HandlerServices = HandlerServices(),
        limits: HandlerLimits = HandlerLimits()
    ) async -> HandlerOutcome {
        await withCheckedContinuation { continuation in
            submit(script, context: context, socket: socket, services: services, limits: limits) { continuation.resume(returning: $0) }
        }
    }

    /// Queues `script` for a worker thread; `completion` gets its outcome there. A job given up before it ran (the
    /// pool shut down, or ``withdrawQueued()``) tells its `owner` instead, when given, or gets a failure to `completion`.
    public func submit(
        _ script: CompiledScript,
        context: HandlerContext,
        socket: any HandlerSocket,
        services: HandlerServices = HandlerServices(),
        limits: HandlerLimits = HandlerLimits(),
        owner: (any ScriptJobOwner)? = nil,
        completion: @escaping @Sendable (HandlerOutcome) -> Void
    ) {
        let job = Job(
            script: script, context: context, socket: socket, services: services, limits: limits, completion: completion,
            owner: owner)
        let accepted = queue.withLock { queue in
            guard !queue.closed else { return false }
            queue.jobs.append(job)
            return true
        }
        if accepted {
            available.signal()
        } else {
            job.withdraw()
        }
    }

    /// Gives up every job no worker has taken yet (at the end of shutdown's grace period); the pool goes on taking new
    /// ones.
    public func withdrawQueued() {
        let withdrawn: Deque<Job> = queue.withLock { queue in
            defer { queue.jobs.removeAll() }
            return queue.jobs
        }
        for job in withdrawn { job.withdraw() }
    }

    /// Stops the workers once they finish their current job; queued and later jobs fail with
    /// `SERVICE_UNAVAILABLE`.
    public func shutdown() {
        let abandoned: Deque<Job> = queue.withLock { queue in
            queue.closed = true
            defer { queue.jobs.removeAll() }
            return queue.jobs
        }
        for job in abandoned { job.withdraw() }
        for _ in 0..<workerCount { available.signal() }
    }

    fileprivate static let shutDownOutcome = HandlerOutcome.failure(
        HandlerFailure(code: .serviceUnavailable, message: "the script workers are shut down"))

    private func work(_ index: Int, chunkCacheCapacity: Int) {
        let sandbox: LuaSandbox?
        do {
            sandbox = try LuaSandbox(chunkCacheCapacity: chunkCacheCapacity)
        } catch {
            logger.error("a script worker could not open its Lua state; it fails every job it takes")
            sandbox = nil
        }
        while true {
            available.wait()
            // A wake-up with nothing queued is a withdrawn job's, or shutdown's once the queue is closed.
            let (next, closed) = queue.withLock { ($0.jobs.popFirst(), $0.closed) }
            guard let job = next else {
                if closed { return }
                continue
            }
            let outcome = sandbox?.run(
                job.script, context: job.context, socket: job.socket, services: job.services, limits: job.limits)
                ?? .failure(HandlerFailure(code: .serviceUnavailable, message: "the Lua sandbox could not be opened"))
            if let sandbox {
                let inUse = sandbox.memoryInUse
                memory.withLock { $0[index] = inUse }
            }
            job.completion(outcome)
        }
    }
}
