import JSONCore
import ScriptSandbox
import Testing

@Suite struct LuaJSONTests {
    private func returned(_ expression: String, context: HandlerContext = Harness.context) throws -> JSONValue? {
        Harness.values(try Harness.run("return " + expression, context: context))?.first
    }

    @Test func scalars() throws {
        #expect(try returned("nil") == .null)
        #expect(try returned("JSON.null") == .null)
        #expect(try returned("true") == .bool(true))
        #expect(try returned("7") == .int(7))
        #expect(try returned("7.0") == .double(7.0))
        #expect(try returned("2^53") == .double(9007199254740992))
        #expect(try returned("math.maxinteger") == .int(Int.max))
        #expect(try returned("'héllo'") == .string("héllo"))
        #expect(try returned("'\\255'") == .string("\u{FFFD}"))
    }

    @Test func emptyTablesAreObjectsUnlessMarked() throws {
        #expect(try returned("{}") == .object([:]))
        #expect(try returned("JSON.array({})") == .array([]))
        #expect(try returned("JSON.decode('[]')") == .array([]))
        #expect(try returned("JSON.decode('{}')") == .object([:]))
        #expect(try returned("JSON.array({1, 2})") == [1, 2])
    }

    @Test func arraysAndObjects() throws {
        #expect(try returned("{1, 'two', {3}}") == [1, "two", [3]])
        #expect(try returned("{a = 1, b = {c = false}}") == ["a": 1, "b": ["c": false]])
        #expect(try returned("{[3] = 'c', [1] = 'a', [2] = 'b'}") == ["a", "b", "c"])
    }

    @Test func sparseArrays() throws {
        #expect(try returned("{1, nil, 3}") == [1, nil, 3])
        #expect(try returned("{[1] = 'a', [4] = 'd'}") == ["a", nil, nil, "d"])
        #expect(try returned("{[1] = 'a', [1000000000] = 'b'}") == ["1": "a", "1000000000": "b"])
        #expect(try returned("{[0] = 'zero', [1] = 'one'}") == ["0": "zero", "1": "one"])
        #expect(try returned("{[-1] = 'neg'}") == ["-1": "neg"])
        #expect(try returned("{1, 2, name = 'mixed'}") == ["1": 1, "2": 2, "name": "mixed"])
    }

    @Test func nullRoundTrips() throws {
        var context = Harness.context
        context.args = [["list": [1, nil, 3], "gone": nil]]
        let outcome = try Harness.run("return BODY, #BODY.list, BODY.list[2] == JSON.null, BODY.gone == JSON.null", context: context)
        #expect(Harness.values(outcome) == [["list": [1, nil, 3], "gone": nil], 3, true, true])
    }

    @Test func integersAndFloatsStayApart() throws {
        var context = Harness.context
        context.args = [[1, 1.5, 2.0, -0.0, 1e300]]
        let outcome = try Harness.run("""
            local out = {}
            for i, v in ipairs(BODY) do out[i] = math.type(v) end
            return out, BODY
            """, context: context)
        #expect(Harness.values(outcome) == [["integer", "float", "float", "float", "float"], [1, 1.5, 2.0, -0.0, 1e300]])
    }

    @Test func binaryComesBackAsBinary() throws {
        var context = Harness.context
        context.args = [["file": .binary([0, 1, 2, 255])], .binary([])]
        let outcome = try Harness.run("""
            local file = BODY.file
            local text = tostring(file)
            return file, #file, text:byte(4), type(file), file == JSON.binary(text), ARGS[2],
                JSON.binary("abc"), "prefix:" .. JSON.binary("x"), JSON.encode({b = JSON.binary("hi")})
            """, context: context)
        #expect(Harness.values(outcome) == [
            .binary([0, 1, 2, 255]), 4, 255, "userdata", true, .binary([]), .binary(Array("abc".utf8)), "prefix:x",
            "{\"b\":\"aGk=\"}",
        ])
        let socket = RecordingSocket()
        _ = try Harness.run("SOCKET.reply('file', BODY.file)", context: context, socket: socket)
        #expect(socket.calls == [RecordedCall(method: "reply", args: ["file", .binary([0, 1, 2, 255])])])
    }

    @Test func nestingLimits() throws {
        let deep = Harness.failure(try Harness.run("local t = {} for i = 1, 200 do t = {t} end return t"))
        #expect(deep?.code == .invalidResult)
        #expect(deep?.message.contains("deeper") == true)
        let fine = try Harness.run("local t = {} for i = 1, 100 do t = {t} end return t")
        #expect(Harness.values(fine) != nil)
        let decodeTooDeep = Harness.failure(try Harness.run("return JSON.decode(string.rep('[', 500) .. string.rep(']', 500))"))
        #expect(decodeTooDeep?.code == .scriptError)
    }

    @Test func sharedSubtablesAreNotCycles() throws {
        #expect(try returned("(function() local s = {1} return {a = s, b = s} end)()") == ["a": [1], "b": [1]])
    }

    @Test func payloadCap() throws {
        let limits = HandlerLimits(maxPayloadBytes: 1000)
        let small = try Harness.run("return string.rep('x', 900)", limits: limits)
        #expect(Harness.values(small) != nil)
        let large = Harness.failure(try Harness.run("return string.rep('x', 1100)", limits: limits))
        #expect(large?.code == .invalidResult)
        let emit = Harness.failure(try Harness.run("SOCKET.broadcast('big', string.rep('x', 1100))", limits: limits))
        #expect(emit?.code == .invalidResult)
    }
}
