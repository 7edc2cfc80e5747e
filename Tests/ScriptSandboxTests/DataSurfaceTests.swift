import JSONCore
import ScriptSandbox
import Synchronization
import Testing

/// The `DB` and `AUTH` surface as the sandbox offers it, against fakes: what reaches Swift, what comes back, how
/// failures are raised, and that a transaction's body runs under the script's own limits.
@Suite struct DataSurfaceTests {
    /// Records every call; `find` answers its arguments back, `delete` fails with NOT_FOUND.
    final class FakeData: HandlerData {
        let calls = Mutex<[String]>([])

        func perform(_ call: HandlerDataCall, deadline: UInt64) -> Result<JSONValue?, HandlerFailure> {
            calls.withLock { $0.append("\(call.collection).\(call.action.rawValue) \(call.arguments.serialized())") }
            switch call.action {
            case .delete: return .failure(HandlerFailure(code: .notFound, message: "no item"))
            case .findOne: return .success(nil)
            case .count: return .success(.int(3))
            default: return .success(call.arguments)
            }
        }

        func transaction(deadline: UInt64, _ body: () -> Bool) -> HandlerFailure? {
            calls.withLock { $0.append("begin") }
            let committed = body()
            calls.withLock { $0.append(committed ? "commit" : "rollback") }
            return nil
        }

        var log: [String] { calls.withLock { $0 } }
    }

    struct FakeAuth: HandlerAuth {
        func verify(token: String) -> Result<JSONValue, HandlerAuthFailure> {
            token == "good" ? .success(["id": "ann", "sub": "ann"]) : .failure(HandlerAuthFailure(code: "AUTH_EXPIRED", message: "old"))
        }

        func sign(claims: [String: JSONValue], expiresIn seconds: Int) -> Result<String, HandlerAuthFailure> {
            .success("token-for-\(claims["sub"]?.stringValue ?? "?")-\(seconds)")
        }

        func hashPassword(_ password: [UInt8]) -> Result<String, HandlerAuthFailure> {
            .success("hashed:" + String(decoding: password, as: UTF8.self))
        }

        func verifyPassword(_ password: [UInt8], hash: String) -> Bool {
            hash == "hashed:" + String(decoding: password, as: UTF8.self)
        }
    }

    private func run(_ source: String, data: FakeData, limits: HandlerLimits = HandlerLimits(), on sandbox: LuaSandbox? = nil) throws -> HandlerOutcome {
        let sandbox = try sandbox ?? LuaSandbox()
        return sandbox.run(
            try Harness.compile(source), context: Harness.context, socket: RecordingSocket(),
            services: HandlerServices(auth: FakeAuth(), data: data), limits: limits)
    }

    @Test func callsReachSwiftWithTheirCollectionAndArguments() throws {
        let data = FakeData()
        let outcome = try run("""
            local a = DB.notes.find{filter = {n = 1}}
            local b = DB.collection('people'):create{data = {x = true}}
            return a.filter.n, b.data.x, DB.notes.findOne{}, DB.notes.count()
            """, data: data)
        #expect(Harness.values(outcome) == [1, true, .null, 3])
        #expect(data.log == [#"notes.find {"filter":{"n":1}}"#, #"people.create {"data":{"x":true}}"#, "notes.findOne {}", "notes.count {}"])
    }

    @Test func failuresAreRaisedLikeThrowAndCanBeCaught() throws {
        let caught = try run("local ok, e = pcall(function() DB.notes.delete{id = 'x'} end) return ok, e.status, e.code, e.message", data: FakeData())
        #expect(Harness.values(caught) == [false, 404, "NOT_FOUND", "message.lua:1: DB.notes.delete: no item"])
        let uncaught = Harness.failure(try run("DB.notes.delete{id = 'x'}", data: FakeData()))
        #expect(uncaught?.code == .notFound)
        #expect(Harness.failure(try run("DB.notes.find('all')", data: FakeData()))?.code == .badRequest)
        #expect(Harness.failure(try run("DB.notes = 1", data: FakeData()))?.code == .scriptError)
    }

    @Test func aTransactionReturnsItsResultsAndRollsBackOnError() throws {
        let data = FakeData()
        #expect(Harness.values(try run("return DB.transaction(function() DB.a.create{} return 1, 2 end)", data: data)) == [1, 2])
        #expect(data.log == ["begin", "a.create {}", "commit"])
        let failing = FakeData()
        let failure = Harness.failure(try run("DB.transaction(function() DB.a.create{} THROW.conflict('taken') end)", data: failing))
        #expect(failure?.code == .conflict && failure?.message == "taken")
        #expect(failing.log == ["begin", "a.create {}", "rollback"])
    }

    @Test func aTransactionBodyRunsUnderTheScriptsLimits() throws {
        let sandbox = try LuaSandbox()
        let looping = FakeData()
        let timedOut = try run("DB.transaction(function() while true do end end)", data: looping,
                               limits: HandlerLimits(timeout: .milliseconds(50)), on: sandbox)
        #expect(Harness.failure(timedOut)?.code == .scriptTimeout)
        #expect(looping.log == ["begin", "rollback"])
        let bombing = FakeData()
        let bombed = try run("DB.transaction(function() local t = {} for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end end)",
                             data: bombing, limits: HandlerLimits(memoryBytes: 8 << 20), on: sandbox)
        #expect(Harness.failure(bombed)?.code == .scriptMemoryLimit)
        #expect(bombing.log == ["begin", "rollback"])
        // The same sandbox goes on working.
        #expect(Harness.values(try run("return DB.transaction(function() return 'ok' end)", data: FakeData(), on: sandbox)) == ["ok"])
        let yielded = Harness.failure(try run(
            "return coroutine.wrap(function() DB.transaction(function() coroutine.yield(1) end) end)()", data: FakeData(), on: sandbox))
        #expect(yielded?.code == .scriptError)
    }

    @Test func authAnswersThroughItsService() throws {
        let outcome = try run("""
            local claims = AUTH.verify('good')
            local none, code, message = AUTH.verify('old')
            return claims.id, none == nil, code, message, AUTH.sign({sub = 'bob'}), AUTH.sign({sub = 'bob'}, {expiresIn = 60})
            """, data: FakeData())
        #expect(Harness.values(outcome) == ["ann", true, "AUTH_EXPIRED", "old", "token-for-bob-3600", "token-for-bob-60"])
        #expect(Harness.failure(try run("return AUTH.sign('bob')", data: FakeData()))?.code == .badRequest)
        let passwords = try run("""
            local hash = AUTH.hashPassword('s3cret')
            return hash, AUTH.verifyPassword('s3cret', hash), AUTH.verifyPassword('guess', hash), AUTH.verifyPassword(42, hash)
            """, data: FakeData())
        #expect(Harness.values(passwords) == ["hashed:s3cret", true, false, false])
        #expect(Harness.failure(try run("return AUTH.hashPassword({})", data: FakeData()))?.code == .badRequest)
        #expect(Harness.failure(try run("return AUTH.hashPassword(string.rep('x', 5000))", data: FakeData()))?.code == .badRequest)
        #expect(Harness.failure(try run("return AUTH.sign({sub = 'x'}, {expiresIn = 0})", data: FakeData()))?.code == .badRequest)
        let withoutServices = try LuaSandbox().run(try Harness.compile("return AUTH.verify('x')"), context: Harness.context, socket: RecordingSocket())
        #expect(Harness.values(withoutServices) == [.null, "AUTH_INVALID", "this server verifies no tokens (no JWT secret configured)"])
    }
}
