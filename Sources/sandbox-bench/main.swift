// Micro-benchmark of the Lua handler sandbox (not a test): per-invocation cost of a trivial handler and of
// one that builds and returns a 100-element table, on one LuaSandbox directly and through the worker pool,
// the memory one pooled state holds, and the cost of `DB` calls on an SQLite file (findOne by id, create).
import Foundation
import Gateway
import JSONCore
import Persistence
import ScriptSandbox

let context = HandlerContext(
    args: [["text": "hello", "room": "lobby"]],
    event: "message",
    requestId: "req-1",
    gatewayPath: "/chat",
    user: ["id": "u1", "name": "Ada"],
    handshake: [
        "headers": ["user-agent": "bench", "accept": "*/*"],
        "query": ["v": "1"],
        "auth": ["token": "t"],
        "address": "127.0.0.1",
        "time": "2026-01-01T00:00:00Z",
        "url": "/socket.io/?EIO=4",
    ]
)
let socket = RecordingSocket(id: "bench-socket")

func compile(_ source: String) -> CompiledScript {
    do {
        return try CompiledScript.compile(source: source, chunkName: "bench.lua")
    } catch {
        fatalError("benchmark script does not compile: \(error.message)")
    }
}

let trivial = compile("return true")
let hundred = compile("local t = {} for i = 1, 100 do t[i] = i end return t")

func measure(_ name: String, iterations: Int, _ body: () -> Void) {
    for _ in 0..<min(iterations, 1000) { body() }
    let clock = ContinuousClock()
    let elapsed = clock.measure { for _ in 0..<iterations { body() } }
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    print("\(name): \((nanoseconds / Double(iterations) / 1000).formatted(places: 2)) µs/call over \(iterations) calls")
}

extension Double {
    func formatted(places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return String((self * scale).rounded() / scale)
    }
}

let sandbox = try LuaSandbox()
func expectSuccess(_ outcome: HandlerOutcome) {
    guard case .success = outcome else { fatalError("benchmark handler failed: \(outcome)") }
}
expectSuccess(sandbox.run(trivial, context: context, socket: socket))
expectSuccess(sandbox.run(hundred, context: context, socket: socket))

measure("trivial handler, direct", iterations: 200_000) {
    _ = sandbox.run(trivial, context: context, socket: socket)
}
measure("100-element table handler, direct", iterations: 50_000) {
    _ = sandbox.run(hundred, context: context, socket: socket)
}
print("memory of one warmed state (2 cached chunks): \(sandbox.memoryInUse / 1024) KiB")
let fresh = try LuaSandbox()
print("memory of one fresh state: \(fresh.memoryInUse / 1024) KiB")

// DB: 100 calls per run on a WAL-mode SQLite file of 10,000 items, so one call's cost is (run − trivial run) / 100.
let folder = FileManager.default.temporaryDirectory.appending(path: "sandbox-bench-\(ProcessInfo.processInfo.processIdentifier)")
defer { try? FileManager.default.removeItem(at: folder) }
let store = try Stores.open(folder.appending(path: "bench.sqlite").path)
let data = HandlerServices(data: CollectionData(store: store.collections) { _ in })
expectSuccess(sandbox.run(
    compile("DB.transaction(function() for i = 1, 10000 do DB.items.create{data = {id = 'i' .. i, n = i, text = 'hello'}} end end)"),
    context: context, socket: socket, services: data, limits: HandlerLimits(timeout: .seconds(120))))
let findOne = compile("for i = 1, 100 do DB.items.findOne{filter = {id = {_eq = 'i' .. (i * 97 % 10000 + 1)}}} end return true")
let create = compile("for i = 1, 100 do DB.notes.create{data = {text = 'hello', n = i}} end return true")
expectSuccess(sandbox.run(findOne, context: context, socket: socket, services: data))
expectSuccess(sandbox.run(create, context: context, socket: socket, services: data))
@MainActor func perDBCall(_ name: String, _ script: CompiledScript, runs: Int) {
    let clock = ContinuousClock()
    let trivialRun = clock.measure { for _ in 0..<runs { _ = sandbox.run(trivial, context: context, socket: socket, services: data) } }
    let dbRun = clock.measure { for _ in 0..<runs { _ = sandbox.run(script, context: context, socket: socket, services: data) } }
    let microseconds = { (d: Duration) in Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12 }
    let perCall = (microseconds(dbRun) - microseconds(trivialRun)) / Double(runs * 100)
    print("\(name): \(perCall.formatted(places: 2)) µs/call (100 calls per run over \(runs) runs)")
}
perDBCall("DB.items.findOne by id (10,000 items)", findOne, runs: 200)
perDBCall("DB.notes.create, each committing on its own", create, runs: 20)

let pool = ScriptWorkerPool(workers: 2)
func poolRound(_ script: CompiledScript, calls: Int, concurrency: Int) async -> Double {
    let clock = ContinuousClock()
    let elapsed = await clock.measure {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    for _ in 0..<(calls / concurrency) { _ = await pool.run(script, context: context, socket: socket) }
                }
            }
        }
    }
    return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(calls) / 1000
}
_ = await poolRound(trivial, calls: 2_000, concurrency: 1)
print("trivial handler via pool, sequential (latency incl. thread hand-off): \(await poolRound(trivial, calls: 20_000, concurrency: 1).formatted(places: 2)) µs/call")
print("trivial handler via pool, 64 concurrent callers (throughput, 2 workers): \(await poolRound(trivial, calls: 100_000, concurrency: 64).formatted(places: 2)) µs/call")
pool.shutdown()
