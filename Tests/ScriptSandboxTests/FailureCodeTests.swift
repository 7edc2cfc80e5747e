import JSONCore
import ScriptSandbox
import Testing

@Suite struct FailureCodeTests {
    static let namedThrows: [(function: String, code: HandlerErrorCode, status: Int)] = [
        ("badRequest", .badRequest, 400),
        ("unauthorized", .unauthorized, 401),
        ("forbidden", .forbidden, 403),
        ("notFound", .notFound, 404),
        ("conflict", .conflict, 409),
        ("validation", .validationError, 422),
        ("tooManyRequests", .tooManyRequests, 429),
        ("internal", .internalError, 500),
        ("unavailable", .serviceUnavailable, 503),
    ]

    @Test(arguments: namedThrows)
    func namedThrow(function: String, code: HandlerErrorCode, status: Int) throws {
        let outcome = try Harness.run("LOGS('before') THROW.\(function)('nope', {field = 'name'})")
        let failure = Harness.failure(outcome)
        #expect(failure?.code == code)
        #expect(failure?.status == status)
        #expect(failure?.message == "nope")
        #expect(failure?.details == ["field": "name"])
        #expect(failure?.logs == ["before"])
    }

    @Test func codesAreStable() {
        #expect(HandlerErrorCode.allCases.map(\.rawValue) == [
            "BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "VALIDATION_ERROR", "TOO_MANY_REQUESTS",
            "INTERNAL_ERROR", "SERVICE_UNAVAILABLE", "SCRIPT_ERROR", "SCRIPT_TIMEOUT", "SCRIPT_MEMORY_LIMIT", "INVALID_RESULT",
            "PAYLOAD_TOO_LARGE",
        ])
    }

    @Test(arguments: [
        (404, HandlerErrorCode.notFound), (422, .validationError), (418, .badRequest), (451, .badRequest),
        (500, .internalError), (502, .internalError), (503, .serviceUnavailable), (599, .internalError),
    ])
    func throwWithStatus(status: Int, code: HandlerErrorCode) throws {
        let failure = Harness.failure(try Harness.run("THROW(\(status), 'custom')"))
        #expect(failure?.code == code)
        #expect(failure?.status == status)
        #expect(failure?.message == "custom")
        #expect(failure?.details == nil)
    }

    @Test func throwNeedsAnErrorStatus() throws {
        for status in ["200", "399", "600", "'x'", "404.5"] {
            let failure = Harness.failure(try Harness.run("THROW(\(status), 'custom')"))
            #expect(failure?.code == .scriptError, "THROW(\(status))")
            #expect(failure?.message.contains("400-599") == true)
        }
    }

    @Test func throwWithoutMessageUsesTheCode() throws {
        let failure = Harness.failure(try Harness.run("THROW.notFound()"))
        #expect(failure?.message == "NOT_FOUND")
    }

    @Test func throwDetailsMustBeJSON() throws {
        let failure = Harness.failure(try Harness.run("THROW.badRequest('x', {f = print})"))
        #expect(failure?.code == .invalidResult)
    }

    @Test func thrownFailuresCanBeCaughtAndInspected() throws {
        let outcome = try Harness.run("""
            local ok, err = pcall(THROW.conflict, 'taken')
            return ok, err.status, err.message, tostring(err)
            """)
        #expect(Harness.values(outcome) == [false, 409, "taken", "THROW 409: taken"])
    }

    @Test func scriptErrorKeepsLogsAndLine() throws {
        let failure = Harness.failure(try Harness.run("LOGS(1)\nprint('two')\nerror('boom')"))
        #expect(failure?.code == .scriptError)
        #expect(failure?.message == "message.lua:3: boom")
        #expect(failure?.logs == [1, "two"])
    }

    @Test func nonStringErrorValues() throws {
        let table = Harness.failure(try Harness.run("error({reason = 'bad'})"))
        #expect(table?.code == .scriptError)
        #expect(table?.details == ["reason": "bad"])
        let cyclic = Harness.failure(try Harness.run("local t = {} t.t = t error(t)"))
        #expect(cyclic?.code == .scriptError)
        #expect(cyclic?.details == nil)
        let number = Harness.failure(try Harness.run("error(42)"))
        #expect(number?.message == "the handler raised 42")
        let nothing = Harness.failure(try Harness.run("error()"))
        #expect(nothing?.message == "the handler raised a nil value")
        let huge = Harness.failure(try Harness.run("error(string.rep('x', 100000))"))
        #expect((huge?.message.utf8.count ?? .max) < 5000)
    }

    @Test func timeout() throws {
        let failure = Harness.failure(try Harness.run("LOGS('start') while true do end", limits: HandlerLimits(timeout: .milliseconds(100))))
        #expect(failure?.code == .scriptTimeout)
        #expect(failure?.status == 504)
        #expect(failure?.logs == ["start"])
    }

    @Test func memoryLimit() throws {
        let failure = Harness.failure(try Harness.run(
            "LOGS('start') local t = {} for i = 1, 1e8 do t[i] = i end",
            limits: HandlerLimits(memoryBytes: 8 << 20)))
        #expect(failure?.code == .scriptMemoryLimit)
        #expect(failure?.logs == ["start"])
    }

    @Test func invalidResults() throws {
        for script in [
            "return print", "return coroutine.create(print)", "local t = {} t[1] = t return t", "return 0/0",
            "return 1/0", "return -1/0", "return {x = {y = {print}}}", "return {[1.5] = true}", "return {[true] = 1}",
            "return 1, print",
        ] {
            let failure = Harness.failure(try Harness.run("LOGS('x') " + script))
            #expect(failure?.code == .invalidResult, "\(script)")
            #expect(failure?.logs == ["x"])
        }
    }
}
