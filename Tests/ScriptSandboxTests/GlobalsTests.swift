import JSONCore
import ScriptSandbox
import Testing

@Suite struct GlobalsTests {
    @Test func eventGlobals() throws {
        let outcome = try Harness.run("""
            return BODY.text, BODY.n, #ARGS, ARGS[2], EVENT, REQUEST_ID, GATEWAY, ARGS[1] == BODY
            """)
        #expect(Harness.values(outcome) == ["hi", 2, 2, "second", "message", "req-42", "/chat", true])
    }

    @Test func userAndHandshake() throws {
        let outcome = try Harness.run("""
            return USER.id, USER.role, HANDSHAKE.headers["user-agent"], HANDSHAKE.query.room, HANDSHAKE.auth.token,
                HANDSHAKE.address, HANDSHAKE.time, HANDSHAKE.url
            """)
        #expect(Harness.values(outcome) == ["u1", "admin", "tests", "lobby", "abc", "10.0.0.1", "2026-11-21T22:00:00Z",
                                            "/socket.io/?EIO=4&transport=websocket"])
        var anonymous = Harness.context
        anonymous.user = nil
        anonymous.args = []
        let bare = try Harness.run("return USER == nil, BODY == nil, #ARGS", context: anonymous)
        #expect(Harness.values(bare) == [true, true, 0])
    }

    /// `HANDSHAKE` is left out of runs of scripts that cannot name it; every way a script can still reach it works.
    @Test func handshakeReachableByComputedName() throws {
        #expect(try !Harness.compile("return BODY").mayReadHandshake)
        #expect(try Harness.compile("return HANDSHAKE.address").mayReadHandshake)
        #expect(try !Harness.compile("return BODY").mayUseData)
        #expect(try Harness.compile("return DB.notes.count{}").mayUseData)
        #expect(try Harness.compile("return _ENV['D' .. 'B']").mayUseData)
        let computed = try Harness.run("""
            local name = "HAND" .. "SHAKE"
            return _G[name].address, _ENV[name].query.room, load("return " .. name)().auth.token
            """)
        #expect(Harness.values(computed) == ["10.0.0.1", "lobby", "abc"])
    }

    @Test func socketFunctionsReachTheBridge() throws {
        let socket = RecordingSocket(id: "sock-7")
        let outcome = try Harness.run("""
            SOCKET.join("lobby")
            SOCKET.reply("ack", {ok = true}, 2)
            SOCKET.emitToUser("u2", "dm", "hello")
            SOCKET.emitToUser(42, "dm")
            SOCKET.emitToRoom("lobby", "said", BODY.text)
            SOCKET.broadcastToRoom("lobby", "typing")
            SOCKET.emitToGateway("/admin", "audit", {by = SOCKET.id})
            SOCKET.broadcast("hello", JSON.null)
            local size, rooms = SOCKET.roomSize("lobby"), SOCKET.rooms()
            SOCKET.leave("lobby")
            SOCKET.disconnect()
            return SOCKET.id, size, rooms, SOCKET.roomSize("lobby")
            """, socket: socket)
        #expect(Harness.values(outcome) == ["sock-7", 1, ["lobby"], 0])
        let expected: [RecordedCall] = [
            .init(method: "join", args: ["lobby"]),
            .init(method: "reply", args: ["ack", ["ok": true], 2]),
            .init(method: "emitToUser", args: ["u2", "dm", "hello"]),
            .init(method: "emitToUser", args: ["42", "dm"]),
            .init(method: "emitToRoom", args: ["lobby", "said", "hi"]),
            .init(method: "broadcastToRoom", args: ["lobby", "typing"]),
            .init(method: "emitToGateway", args: ["/admin", "audit", ["by": "sock-7"]]),
            .init(method: "broadcast", args: ["hello", nil]),
            .init(method: "roomSize", args: ["lobby"]),
            .init(method: "rooms", args: []),
            .init(method: "leave", args: ["lobby"]),
            .init(method: "disconnect", args: []),
            .init(method: "roomSize", args: ["lobby"]),
        ]
        #expect(socket.calls == expected)
        #expect(socket.calls[1].json == ["method": "reply", "args": ["ack", ["ok": true], 2]])
    }

    @Test func socketArgumentsAreChecked() throws {
        let badEvent = Harness.failure(try Harness.run("SOCKET.reply({})"))
        #expect(badEvent?.code == .scriptError)
        #expect(badEvent?.message == "message.lua:1: SOCKET.reply: event must be a string")
        let badPayload = Harness.failure(try Harness.run("\nSOCKET.reply('x', print)"))
        #expect(badPayload?.code == .invalidResult)
        #expect(badPayload?.message.hasPrefix("message.lua:2: SOCKET.reply:") == true)
        let caught = try Harness.run("local ok, err = pcall(SOCKET.reply, 'x', print) return ok, type(err), 'recovered'")
        #expect(Harness.values(caught) == [false, "table", "recovered"])
    }

    @Test func logsAndPrint() throws {
        let outcome = try Harness.run("""
            local t = {a = 1}
            LOGS("one")
            LOGS(1, "two", t)
            t.a = 2
            print("x", 1, nil, true)
            LOGS(print)
            return t.a
            """)
        #expect(Harness.values(outcome) == [2])
        #expect(outcome.logs == ["one", [1, "two", ["a": 1]], "x\t1\tnil\ttrue", "<function>"])
    }

    @Test func logsAreBoundedWithoutFailingTheRun() throws {
        let outcome = try Harness.run(
            "for i = 1, 5000 do LOGS(i) end return 'done'",
            limits: HandlerLimits(maxLogEntries: 10))
        #expect(Harness.values(outcome) == ["done"])
        #expect(outcome.logs.count == 11)
        #expect(outcome.logs.last?.stringValue?.hasPrefix("[logs truncated") == true)
        let big = try Harness.run("for i = 1, 100 do print(string.rep('x', 100000)) end return 1")
        #expect(big.logs.count < 12)
    }

    @Test func jsonFunctions() throws {
        let outcome = try Harness.run("""
            local decoded = JSON.decode('{"a":[1,2.5,null,"s"],"b":{},"c":[]}')
            return decoded.a[1], math.type(decoded.a[1]), math.type(decoded.a[2]), decoded.a[3] == JSON.null, #decoded.a,
                JSON.encode({1, 2, 3}), JSON.encode(decoded.c), JSON.encode(decoded.b), JSON.encode(JSON.null),
                JSON.encode("a\\"b"), tostring(JSON.null)
            """)
        #expect(Harness.values(outcome) == [1, "integer", "float", true, 4, "[1,2,3]", "[]", "{}", "null", "\"a\\\"b\"", "null"])
        let bad = Harness.failure(try Harness.run("return JSON.decode('{oops')"))
        #expect(bad?.code == .scriptError)
        #expect(bad?.message.contains("JSON.decode") == true)
        let unencodable = Harness.failure(try Harness.run("return JSON.encode({f = print})"))
        #expect(unencodable?.message.contains("JSON.encode") == true)
        let caught = try Harness.run("return pcall(JSON.decode, 42)")
        #expect(Harness.values(caught)?.first == false)
    }

    @Test func returnValues() throws {
        #expect(Harness.values(try Harness.run("return")) == [])
        #expect(Harness.values(try Harness.run("local x = 1")) == [])
        #expect(Harness.values(try Harness.run("return 1, nil, 'three'")) == [1, nil, "three"])
    }

    @Test func safeLibrariesArePresentAndUnsafeOnesAbsent() throws {
        let outcome = try Harness.run("""
            return type(string.format), type(table.concat), type(math.floor), type(utf8.char), type(coroutine.wrap),
                type(os.time), type(os.clock), type(os.date), os.execute, os.getenv, os.remove, io, package, require,
                debug, dofile, loadfile, string.dump, collectgarbage("count") > 0, math.randomseed, warn,
                utf8.char(72, 105), string.format("%05.1f", 3.14159), select("#", 1, 2, 3)
            """)
        let expected: [JSONValue] = ["function", "function", "function", "function", "function", "function", "function",
                                     "function", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, true, nil, nil,
                                     "Hi", "003.1", 3]
        #expect(Harness.values(outcome) == expected)
    }

    @Test func loadCompilesTextIntoTheRunsGlobals() throws {
        let outcome = try Harness.run("""
            counter = 41
            local f = assert(load("counter = counter + 1 return counter, EVENT"))
            local sandboxed = assert(load("return counter", "inner", "t", {counter = 7}))
            local viaReader = assert(load(coroutine.wrap(function() coroutine.yield("return ") coroutine.yield("'read'") end)))
            return f(), sandboxed(), viaReader(), load("return _G")() == _G
            """)
        #expect(Harness.values(outcome) == [42, 7, "read", true])  // f()'s second value is cut by the list
    }

    @Test func globalsAreFreshOnEveryRun() throws {
        let sandbox = try LuaSandbox()
        let script = try Harness.compile("local before = counter counter = (counter or 0) + 1 _G.other = true return before, counter")
        let socket = RecordingSocket()
        #expect(Harness.values(sandbox.run(script, context: Harness.context, socket: socket)) == [nil, 1])
        #expect(Harness.values(sandbox.run(script, context: Harness.context, socket: socket)) == [nil, 1])
        let peek = try Harness.run("return counter, other", on: sandbox)
        #expect(Harness.values(peek) == [nil, nil])
    }

    @Test func librariesStayIterableButReadOnly() throws {
        let outcome = try Harness.run("""
            local names = 0
            for name, value in pairs(string) do names = names + 1 end
            local ok = pcall(function() math.pi = 3 end)
            return names > 10, ok, math.pi > 3.14, getmetatable("") , getmetatable(string)
            """)
        #expect(Harness.values(outcome) == [true, false, true, false, false])
    }

    @Test func coroutinesWork() throws {
        let outcome = try Harness.run("""
            local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
            local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
            local _, first = coroutine.resume(co, 1)
            local _, second = coroutine.resume(co, 10)
            local closable = coroutine.create(function() coroutine.yield() end)
            coroutine.resume(closable)
            return gen(), gen(), gen(), first, second, coroutine.status(co), coroutine.close(closable)
            """)
        #expect(Harness.values(outcome) == [1, 2, 3, 2, 20, "dead", true])
    }

    @Test func tableFunctionsBehaveLikeLuas() throws {
        let outcome = try Harness.run("""
            local t = {5, 3, 9, 1}
            table.sort(t)
            local descending = {5, 3, 9, 1}
            table.sort(descending, function(a, b) return a > b end)
            table.insert(t, 1, 0)
            table.insert(t, 10)
            local removed = table.remove(t, 2)
            local moved = table.move({1, 2, 3}, 1, 3, 2, {})
            return t, descending, removed, moved[1] == nil and moved[4], table.concat(t, "-"), select("#", table.unpack(t))
            """)
        #expect(Harness.values(outcome) == [[0, 3, 5, 9, 10], [9, 5, 3, 1], 1, 3, "0-3-5-9-10", 5])
    }

    @Test func patternFunctionsBehaveLikeLuas() throws {
        let outcome = try Harness.run("""
            local words = {}
            for w in ("one two  three"):gmatch("%a+") do words[#words + 1] = w end
            local replaced, count = ("hello world"):gsub("o", "0")
            return ("key=value"):match("^(%w+)=(%w+)$"), ("abc"):find("b", 1, true), table.concat(words, ","), replaced, count,
                ("x"):rep(3, "-"), ("%d"):format(7)
            """)
        // Only the last call of a return list keeps all its values.
        #expect(Harness.values(outcome) == ["key", 2, "one,two,three", "hell0 w0rld", 2, "x-x-x", "7"])
    }
}
