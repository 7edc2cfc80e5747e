import NIOCore

/// A benchmark run split across event loops, so the generator can use more than one core: one `BenchRun` per
/// loop with its share of the connections and of the connect rate, each confined to its loop as before. Every phase
/// runs on all shards at once; only fan-out's flow control is shared between them, through atomics.
struct ShardedRun: Sendable {
    private let plan: BenchPlan
    private let shards: [BenchRun]

    init(plan: BenchPlan, group: EventLoopGroup, threads: Int) {
        self.plan = plan
        self.shards = (0..<threads).map { BenchRun(plan: plan.share($0, of: threads), eventLoop: group.next(), shard: $0) }
    }

    func connectAll(within bound: TimeAmount) async throws {
        try await onEveryShard(phase: "connecting", within: bound) { $0.connectAll() }
    }

    func connectedCount() async throws -> Int {
        try await onEveryShard { $0.connectedCount }.reduce(0, +)
    }

    func joinSubscribers() async throws {
        try await onEveryShard(phase: "joining the room", within: .seconds(60)) { $0.joinSubscribers() }
    }

    /// Starts the load on every shard; in fan-out, with one flow control over the subscribers of all of them.
    func startLoad() async throws {
        let flowControl = try await makeFlowControl()
        _ = try await onEveryShard { [flowControl] in $0.startLoad(flowControl: flowControl) }
    }

    /// A fixed workload: exactly `events` events (publishes in fan-out) on the one shard; returns once each has
    /// completed. `--events` runs on one thread, so the count is the shard's.
    func runFixed(_ events: Int, within bound: TimeAmount) async throws {
        precondition(shards.count == 1, "a fixed workload runs on one shard")
        let flowControl = try await makeFlowControl()
        try await onEveryShard(phase: "running \(events) events", within: bound) { [flowControl] in
            $0.runFixed(events, flowControl: flowControl)
        }
    }

    private func makeFlowControl() async throws -> FanoutFlowControl? {
        guard plan.scenario == .fanout else { return nil }
        let joined = try await onEveryShard { $0.joinedSubscribers }.reduce(0, +)
        return FanoutFlowControl(subscribers: joined, inFlight: plan.inFlight, loops: shards.map(\.eventLoop))
    }

    func beginRecording() async throws {
        _ = try await onEveryShard { $0.beginRecording() }
    }

    /// Stops the load and merges what every shard measured.
    func endRecording() async throws -> Measurement {
        let measured = try await onEveryShard { $0.endRecording() }
        return measured.dropFirst().reduce(into: measured[0]) { $0.add($1) }
    }

    /// Fan-out, once the load has stopped: waits until every acked publish has reached every joined subscriber, or
    /// until nothing has changed for `quiet`, or `bound` at most; the whole run's counts, merged over the shards.
    func settle(quiet: Duration = .seconds(3), bound: Duration = .seconds(30)) async throws -> Settlement {
        let clock = ContinuousClock()
        let start = clock.now
        var lastChange = start
        var current = try await settlement()
        while !current.isComplete, clock.now - lastChange < quiet, clock.now - start < bound {
            try await Task.sleep(for: .milliseconds(100))
            let next = try await settlement()
            if next != current { lastChange = clock.now }
            current = next
        }
        return current
    }

    private func settlement() async throws -> Settlement {
        let parts = try await onEveryShard { $0.currentSettlement() }
        return parts.dropFirst().reduce(into: parts[0]) { $0.add($1) }
    }

    func closeAll() async throws {
        try await onEveryShard(phase: "closing", within: .seconds(30)) { $0.closeAll() }
    }

    private func onEveryShard<T: Sendable>(_ work: @escaping @Sendable (BenchRun) -> T) async throws -> [T] {
        let futures = shards.map { shard in shard.eventLoop.submit { work(shard) } }
        var results: [T] = []
        for future in futures { try await results.append(future.get()) }
        return results
    }

    private func onEveryShard(
        phase: String, within bound: TimeAmount, _ work: @escaping @Sendable (BenchRun) -> EventLoopFuture<Void>
    ) async throws {
        let futures = shards.map { shard in
            shard.eventLoop.flatSubmit { work(shard) }.bounded(by: bound, on: shard.eventLoop, phase: phase)
        }
        for future in futures { try await future.get() }
    }
}
