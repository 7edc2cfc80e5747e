import Dispatch
import JSONCore
import ScriptSandbox
import Synchronization
import Testing

@Suite struct WorkerPoolTests {
    /// A held run's time limit: far past what a loaded machine takes for the test's other runs (the default 5 s was
    /// reached once, the quick runs taking that long beside other suites), so the test waits on its gate, not a clock.
    static let heldLimits = HandlerLimits(timeout: .seconds(300))

    @Test func runsHandlersOnWorkers() async throws {
        let pool = ScriptWorkerPool(workers: 2)
        defer { pool.shutdown() }
        let script = try Harness.compile("SOCKET.reply('echo', BODY) return EVENT, BODY.n * 2")
        let socket = RecordingSocket()
        let outcome = await pool.run(script, context: Harness.context, socket: socket)
        #expect(Harness.values(outcome) == ["message", 4])
        #expect(socket.calls == [RecordedCall(method: "reply", args: ["echo", ["text": "hi", "n": 2]])])
    }

    @Test func manyConcurrentRuns() async throws {
        let pool = ScriptWorkerPool(workers: 2)
        defer { pool.shutdown() }
        let script = try Harness.compile("local t = {} for i = 1, BODY do t[i] = i end return #t")
        let results = await withTaskGroup(of: HandlerOutcome.self) { group in
            for index in 1...200 {
                var context = Harness.context
                context.args = [.int(index)]
                group.addTask { await pool.run(script, context: context, socket: RecordingSocket()) }
            }
            var outcomes: [HandlerOutcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        let values = results.compactMap { Harness.values($0)?.first?.intValue }
        #expect(values.sorted() == Array(1...200))
    }

    @Test(.timeLimit(.minutes(2)))
    func aLongScriptDoesNotBlockTheOthers() async throws {
        let pool = ScriptWorkerPool(workers: 2)
        defer { pool.shutdown() }
        // The held run waits inside `SOCKET.roomSize` until the test opens the gate: it holds one worker for as long
        // as the quick runs take, however slow the machine. A pool that queued them behind it would never finish.
        let held = try Harness.compile("SOCKET.roomSize('gate') return 'released'")
        let quick = try Harness.compile("return 'quick'")
        let gate = GatedSocket()
        async let stuck: HandlerOutcome = pool.run(held, context: Harness.context, socket: gate, limits: Self.heldLimits)
        #expect(try await gate.waitUntilEntered())
        for _ in 0..<20 {
            #expect(Harness.values(await pool.run(quick, context: Harness.context, socket: RecordingSocket())) == ["quick"])
        }
        gate.open()
        #expect(Harness.values(await stuck) == ["released"])
    }

    /// At the end of shutdown's grace period: what no worker has taken is given up (`abandoned`, not run), what runs
    /// finishes, and the pool goes on taking jobs.
    @Test(.timeLimit(.minutes(2)))
    func withdrawingGivesUpOnlyTheJobsNoWorkerTook() async throws {
        let pool = ScriptWorkerPool(workers: 1)
        defer { pool.shutdown() }
        let held = try Harness.compile("SOCKET.roomSize('gate') return 'released'")
        let quick = try Harness.compile("return 'quick'")
        let gate = GatedSocket()
        let log = Mutex<[String]>([])
        let stuck = Mutex<HandlerOutcome?>(nil)
        pool.submit(held, context: Harness.context, socket: gate, limits: Self.heldLimits, owner: Withdrawal { log.withLock { $0.append("held abandoned") } }) { outcome in
            stuck.withLock { $0 = outcome }
        }
        #expect(try await gate.waitUntilEntered())
        for index in 0..<3 {
            pool.submit(quick, context: Harness.context, socket: RecordingSocket(),
                        owner: Withdrawal { log.withLock { $0.append("quick \(index) abandoned") } }) { _ in
                log.withLock { $0.append("quick \(index) ran") }
            }
        }
        pool.withdrawQueued()
        #expect(log.withLock { $0 } == ["quick 0 abandoned", "quick 1 abandoned", "quick 2 abandoned"])
        gate.open()
        #expect(Harness.values(await pool.run(quick, context: Harness.context, socket: RecordingSocket())) == ["quick"])
        let released = stuck.withLock { $0 }.flatMap { Harness.values($0) }
        #expect(released == ["released"])
    }

    @Test func workersRecoverAfterLimits() async throws {
        let pool = ScriptWorkerPool(workers: 1)
        defer { pool.shutdown() }
        let limits = HandlerLimits(timeout: .milliseconds(100), memoryBytes: 8 << 20)
        let bomb = try Harness.compile("local s = 'x' while true do s = s .. s end")
        let spin = try Harness.compile("while true do end")
        let fine = try Harness.compile("return BODY.text")
        for _ in 0..<3 {
            #expect(Harness.failure(await pool.run(bomb, context: Harness.context, socket: RecordingSocket(), limits: limits))?.code == .scriptMemoryLimit)
            #expect(Harness.failure(await pool.run(spin, context: Harness.context, socket: RecordingSocket(), limits: limits))?.code == .scriptTimeout)
            #expect(Harness.values(await pool.run(fine, context: Harness.context, socket: RecordingSocket(), limits: limits)) == ["hi"])
        }
    }

    @Test func shutdownRefusesLaterJobs() async throws {
        let pool = ScriptWorkerPool(workers: 1)
        pool.shutdown()
        let outcome = await pool.run(try Harness.compile("return 1"), context: Harness.context, socket: RecordingSocket())
        #expect(Harness.failure(outcome)?.code == .serviceUnavailable)
    }
}

/// A job owner that records its job's withdrawal.
private final class Withdrawal: ScriptJobOwner {
    private let withdrawn: @Sendable () -> Void
    init(_ withdrawn: @escaping @Sendable () -> Void) { self.withdrawn = withdrawn }
    func scriptJobWithdrawn() { withdrawn() }
}

/// A socket whose `roomSize` holds the run that calls it until the test opens the gate (a worker kept busy for exactly
/// as long as a test needs); everything else is a ``RecordingSocket``'s.
final class GatedSocket: HandlerSocket {
    let entered = Atomic(false)
    private let gate = DispatchSemaphore(value: 0)
    private let inner = RecordingSocket()

    func open() { gate.signal() }

    /// Waits (a bounded poll) until a run has reached the gate; false if none did.
    func waitUntilEntered() async throws -> Bool {
        for _ in 0..<10_000 where !entered.load(ordering: .acquiring) {
            try await Task.sleep(for: .milliseconds(10))
        }
        return entered.load(ordering: .acquiring)
    }

    func roomSize(room: String) -> Int {
        entered.store(true, ordering: .releasing)
        gate.wait()
        return 0
    }

    var id: String { inner.id }
    var data: JSONValue? { inner.data }
    func storeData(_ data: JSONValue?) { inner.storeData(data) }
    func reply(event: String, args: [JSONValue]) { inner.reply(event: event, args: args) }
    func join(room: String) { inner.join(room: room) }
    func leave(room: String) { inner.leave(room: room) }
    func emitToUser(userId: String, event: String, args: [JSONValue]) { inner.emitToUser(userId: userId, event: event, args: args) }
    func emitToRoom(room: String, event: String, args: [JSONValue]) { inner.emitToRoom(room: room, event: event, args: args) }
    func broadcastToRoom(room: String, event: String, args: [JSONValue]) { inner.broadcastToRoom(room: room, event: event, args: args) }
    func emitToGateway(path: String, event: String, args: [JSONValue]) { inner.emitToGateway(path: path, event: event, args: args) }
    func broadcast(event: String, args: [JSONValue]) { inner.broadcast(event: event, args: args) }
    func disconnect(close: Bool) { inner.disconnect(close: close) }
    func volatileReply(event: String, args: [JSONValue]) { inner.volatileReply(event: event, args: args) }
    func volatileEmitToRoom(room: String, event: String, args: [JSONValue]) { inner.volatileEmitToRoom(room: room, event: event, args: args) }
    func rooms() -> [String] { inner.rooms() }
    func signIn(user: JSONValue) { inner.signIn(user: user) }
    func signOut() { inner.signOut() }
}
