import JSONCore
import ScriptSandbox
import Synchronization
import Testing

@Suite struct WorkerPoolTests {
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

    @Test func aLongScriptDoesNotBlockTheOthers() async throws {
        let pool = ScriptWorkerPool(workers: 2)
        defer { pool.shutdown() }
        let spin = try Harness.compile("while true do end")
        let quick = try Harness.compile("return 'quick'")
        let spinFinished = Mutex(false)
        // The spin holds one worker until its time limit; every quick run must get through on the other before then
        // (15 s: the suites run in parallel on two cores, with a build beside them on a loaded machine).
        async let stuck: HandlerOutcome = {
            let outcome = await pool.run(spin, context: Harness.context, socket: RecordingSocket(), limits: HandlerLimits(timeout: .seconds(15)))
            spinFinished.withLock { $0 = true }
            return outcome
        }()
        for _ in 0..<20 {
            #expect(Harness.values(await pool.run(quick, context: Harness.context, socket: RecordingSocket())) == ["quick"])
        }
        #expect(spinFinished.withLock { $0 } == false)
        #expect(Harness.failure(await stuck)?.code == .scriptTimeout)
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
