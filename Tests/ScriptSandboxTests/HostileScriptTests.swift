import JSONCore
import ScriptSandbox
import Testing

/// Scripts that try to escape, starve or crash the sandbox. Each must end with its code within its limit,
/// and the same sandbox must then run an ordinary handler as if nothing had happened.
@Suite struct HostileScriptTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var source: String
        var code: HandlerErrorCode
        var limits = HostileScriptTests.limits
        var testDescription: String { name }
    }

    static let limits = HandlerLimits(timeout: .milliseconds(250), memoryBytes: 16 << 20)

    static let corpus: [Case] = [
        // Removed libraries and functions.
        .init(name: "io.open", source: "return io.open('/etc/passwd'):read('a')", code: .scriptError),
        .init(name: "io via _G", source: "return _G.io.popen('id')", code: .scriptError),
        .init(name: "os.execute", source: "return os.execute('id')", code: .scriptError),
        .init(name: "os.getenv", source: "return os.getenv('HOME')", code: .scriptError),
        .init(name: "os.remove", source: "return os.remove('/tmp/x')", code: .scriptError),
        .init(name: "require", source: "return require('os').execute('id')", code: .scriptError),
        .init(name: "package.loadlib", source: "return package.loadlib('libc.so.6', 'system')", code: .scriptError),
        .init(name: "debug", source: "return debug.getregistry()", code: .scriptError),
        .init(name: "dofile", source: "return dofile('/etc/passwd')", code: .scriptError),
        .init(name: "loadfile", source: "return loadfile('/etc/passwd')", code: .scriptError),
        .init(name: "string.dump", source: "return string.dump(function() end)", code: .scriptError),
        .init(name: "string.dump via method", source: "return ('').dump(print)", code: .scriptError),
        .init(name: "collectgarbage stop", source: "collectgarbage('stop') return 1", code: .scriptError),
        .init(name: "load bytecode", source: "return assert(load('\\27LuaT\\0\\25\\147\\r\\n\\26\\n'))()", code: .scriptError),
        .init(name: "load bytecode, binary mode asked",
              source: "return assert(load('\\27LuaT\\0\\25\\147\\r\\n\\26\\n', 'x', 'b'))()", code: .scriptError),
        .init(name: "load bytecode through a reader",
              source: "local done return assert(load(function() if done then return nil end done = true return '\\27Lua' end))()",
              code: .scriptError),
        // Shared state.
        .init(name: "string metatable", source: "getmetatable('').__index.upper = nil", code: .scriptError),
        .init(name: "setmetatable on a string", source: "setmetatable('', {})", code: .scriptError),
        .init(name: "write a library", source: "string.upper = function() return 'pwned' end", code: .scriptError),
        .init(name: "rawset a library", source: "rawset(string, 'upper', print)", code: .scriptError),
        .init(name: "rawset THROW", source: "rawset(THROW, 'badRequest', print)", code: .scriptError),
        .init(name: "setmetatable(_G)", source: "setmetatable(_G, {__index = function() return 'pwned' end})", code: .scriptError),
        .init(name: "setmetatable on a library", source: "setmetatable(math, {__index = {pi = 3}})", code: .scriptError),
        .init(name: "table.insert into a library", source: "table.insert(math, 'pwned')", code: .scriptError),
        .init(name: "JSON.null metatable", source: "getmetatable(JSON.null).__tostring = print", code: .scriptError),
        .init(name: "SOCKET functions", source: "getmetatable(SOCKET).__index.reply = print", code: .scriptError),
        .init(name: "__gc finalizer", source: "setmetatable({}, {__gc = function() while true do end end})", code: .scriptError),
        // Time.
        .init(name: "infinite loop", source: "while true do end", code: .scriptTimeout),
        .init(name: "pcall swallowing the timeout",
              source: "while true do pcall(function() while true do end end) end", code: .scriptTimeout),
        .init(name: "xpcall handler that loops",
              source: "xpcall(function() while true do end end, function() while true do end end)", code: .scriptTimeout),
        .init(name: "tail-call recursion", source: "local function f() return f() end return f()", code: .scriptTimeout),
        .init(name: "loop in a coroutine", source: "coroutine.wrap(function() while true do end end)()", code: .scriptTimeout),
        .init(name: "coroutine ping-pong",
              source: "local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end",
              code: .scriptTimeout),
        .init(name: "loop in a __close run by coroutine.close", source: """
            local co = coroutine.create(function()
              local guard <close> = setmetatable({}, {__close = function() while true do end end})
              coroutine.yield()
            end)
            coroutine.resume(co)
            coroutine.close(co)
            """, code: .scriptTimeout),
        .init(name: "loop in a __close of the handler",
              source: "local guard <close> = setmetatable({}, {__close = function() while true do end end}) while true do end",
              code: .scriptTimeout),
        .init(name: "loop in a __close inside pcall", source: """
            pcall(function()
              local guard <close> = setmetatable({}, {__close = function() while true do end end})
              while true do end
            end)
            """, code: .scriptTimeout),
        .init(name: "loop in a __close of a wrapped coroutine", source: """
            coroutine.wrap(function()
              local guard <close> = setmetatable({}, {__close = function() while true do end end})
              while true do end
            end)()
            """, code: .scriptTimeout),
        .init(name: "loop in __tostring", source: "return tostring(setmetatable({}, {__tostring = function() while true do end end}))",
              code: .scriptTimeout),
        .init(name: "catastrophic find", source: "return ('a'):rep(5000):find('.-.-.-.-b')", code: .scriptTimeout),
        .init(name: "catastrophic gsub", source: "return ('a'):rep(5000):gsub('.-.-.-.-b', '')", code: .scriptTimeout),
        .init(name: "catastrophic gmatch", source: "for m in ('a'):rep(5000):gmatch('.-.-.-.-b') do end", code: .scriptTimeout),
        .init(name: "table.insert with a lying __len",
              source: "table.insert(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1, 'x')",
              code: .scriptTimeout),
        .init(name: "table.remove with a lying __len",
              source: "table.remove(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1)",
              code: .scriptTimeout),
        .init(name: "string.rep of nothing, 2^63 times",
              source: "THROW.conflict('done ' .. #string.rep('', math.maxinteger) .. #(''):rep(2^62, ''))", code: .conflict),
        .init(name: "sorting millions", source: """
            local t = {} for i = 1, 1e6 do t[i] = (i * 7919) % 1000003 end
            for round = 1, 100 do table.sort(t) table.sort(t, function(a, b) return a > b end) end
            """, code: .scriptTimeout, limits: HandlerLimits(timeout: .milliseconds(400), memoryBytes: 64 << 20)),
        .init(name: "table.move of a huge range", source: "table.move({}, 1, math.maxinteger // 2, 1, {})", code: .scriptTimeout),
        // Memory.
        .init(name: "table bomb", source: "local t = {} for i = 1, 1e9 do t[i] = i end", code: .scriptMemoryLimit),
        .init(name: "string doubling", source: "local s = 'x' while true do s = s .. s end", code: .scriptMemoryLimit),
        .init(name: "string.rep bomb", source: "return #string.rep('x', 2^30)", code: .scriptMemoryLimit),
        .init(name: "string.rep with separator bomb", source: "return #string.rep('x', 1e8, ',')", code: .scriptMemoryLimit),
        .init(name: "gsub growth", source: "local s = ('x'):rep(4e6) while true do s = s:gsub('x', '%0%0%0%0') end",
              code: .scriptMemoryLimit, limits: HandlerLimits(timeout: .seconds(3), memoryBytes: 16 << 20)),
        .init(name: "coroutine bomb", source: "local cs = {} while true do cs[#cs + 1] = coroutine.create(print) end",
              code: .scriptMemoryLimit),
        .init(name: "JSON.decode bomb", source: "return #JSON.decode('[' .. string.rep('[],', 2e6) .. '[]]')",
              code: .scriptMemoryLimit),
        .init(name: "caught memory error", source: "local ok = pcall(string.rep, 'x', 1e9) return ok", code: .scriptMemoryLimit),
        .init(name: "table.concat bomb",
              source: "local t = {} for i = 1, 64 do t[i] = ('x'):rep(1e6) end local s = '' while true do s = s .. table.concat(t) end",
              code: .scriptMemoryLimit),
        // Recursion.
        .init(name: "infinite recursion (memory)", source: "local function f() return 1 + f() end return f()",
              code: .scriptMemoryLimit),
        .init(name: "infinite recursion (stack overflow)", source: "local function f() return 1 + f() end return f()",
              code: .scriptError, limits: HandlerLimits(timeout: .seconds(2), memoryBytes: 128 << 20)),
        .init(name: "coroutine recursion", source: "local function f() return coroutine.wrap(f)() end return f()", code: .scriptError),
        // Results and errors.
        .init(name: "huge string result", source: "return string.rep('x', 2 * 1024 * 1024)", code: .invalidResult),
        .init(name: "huge table result", source: "local t = {} for i = 1, 300000 do t[i] = i end return t", code: .invalidResult),
        .init(name: "cyclic result", source: "local t = {} t.self = t return t", code: .invalidResult),
        .init(name: "deep result", source: "local t = {} for i = 1, 100000 do t = {t} end return t", code: .invalidResult),
        .init(name: "huge emit", source: "SOCKET.reply('x', string.rep('y', 2 * 1024 * 1024))", code: .invalidResult),
        .init(name: "function result", source: "return function() end", code: .invalidResult),
        .init(name: "SOCKET flood", source: "while true do SOCKET.join('room') end", code: .scriptError),
        .init(name: "table error", source: "error({code = 'X'})", code: .scriptError),
        .init(name: "cyclic table error", source: "local t = {} t.t = t error(t)", code: .scriptError),
        .init(name: "error whose __tostring loops",
              source: "error(setmetatable({}, {__tostring = function() while true do end end}))", code: .scriptError),
        .init(name: "forged THROW code",
              source: "local ok, e = pcall(THROW.badRequest, 'x') rawset(e, 'code', 'SCRIPT_TIMEOUT') rawset(e, 'status', 200) error(e)",
              code: .badRequest),
        // SOCKET.data: bombs, shapes JSON cannot carry, and metamethods that must not run on the way out.
        .init(name: "SOCKET.data bomb", source: "SOCKET.data.x = string.rep('x', 1 << 20) return 1", code: .invalidResult),
        // Work that must end by its own limit, not the clock: a generous time limit keeps a loaded machine out of it.
        .init(name: "SOCKET.data many keys",
              source: "for i = 1, 100000 do SOCKET.data['k' .. i] = i end return 1", code: .invalidResult,
              limits: HandlerLimits(timeout: .seconds(5), memoryBytes: 64 << 20)),
        .init(name: "SOCKET.data cycle", source: "local t = {} t.t = t SOCKET.data = t return 1", code: .invalidResult),
        .init(name: "SOCKET.data deep nesting",
              source: "local t = {} for _ = 1, 500 do t = {t} end SOCKET.data = {deep = t} return 1", code: .invalidResult),
        .init(name: "signIn without claims", source: "SOCKET.signIn('admin') return 1", code: .scriptError),
        .init(name: "signIn with a table as id", source: "SOCKET.signIn({sub = {admin = true}}) return 1", code: .scriptError),
        .init(name: "signIn with a function in the claims", source: "SOCKET.signIn({sub = 'x', f = print}) return 1",
              code: .invalidResult),
        .init(name: "SOCKET.data with a coroutine", source: "SOCKET.data.co = coroutine.create(print) return 1", code: .invalidResult),
    ]

    /// Checks what a previous hostile run could have disturbed.
    static let canary = """
        assert(leaked == nil and rawget(_G, 'leaked') == nil, 'globals leaked')
        assert(string.dump == nil and io == nil and os.execute == nil and debug == nil, 'unsafe library')
        assert(('abc'):upper() == 'ABC' and string.upper('x') == 'X', 'string library')
        assert(getmetatable('') == false and getmetatable(_G) == false, 'metatables')
        assert(math.pi > 3.14 and type(print) == 'function' and tostring(JSON.null) == 'null', 'shared tables')
        local t = {} table.insert(t, 1) assert(#t == 1)
        assert(('aab'):find('a-b') == 1)
        assert(coroutine.wrap(function() return 'co' end)() == 'co')
        SOCKET.reply('ok')
        return BODY.text, collectgarbage('count') > 0
        """

    @Test(arguments: corpus)
    func hostileScript(_ hostile: Case) throws {
        let sandbox = try LuaSandbox()
        let script = try CompiledScript.compile(source: "leaked = true " + hostile.source, chunkName: "hostile.lua")
        let outcome = sandbox.run(script, context: Harness.context, socket: RecordingSocket(), limits: hostile.limits)
        let failure = Harness.failure(outcome)
        #expect(failure?.code == hostile.code, "\(failure?.message ?? "")")

        let socket = RecordingSocket()
        let canary = sandbox.run(try Harness.compile(Self.canary), context: Harness.context, socket: socket, limits: Self.limits)
        #expect(Harness.values(canary) == ["hi", true])
        #expect(socket.calls == [RecordedCall(method: "reply", args: ["ok"])])
    }

    @Test func oneSandboxSurvivesTheWholeCorpus() throws {
        let sandbox = try LuaSandbox()
        for hostile in Self.corpus {
            let script = try CompiledScript.compile(source: hostile.source, chunkName: "hostile.lua")
            let outcome = sandbox.run(script, context: Harness.context, socket: RecordingSocket(), limits: hostile.limits)
            #expect(Harness.failure(outcome)?.code == hostile.code, "\(hostile.name)")
        }
        let canary = sandbox.run(try Harness.compile(Self.canary), context: Harness.context, socket: RecordingSocket())
        #expect(Harness.values(canary) == ["hi", true])
    }
}
