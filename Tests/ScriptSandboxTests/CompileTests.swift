import ScriptSandbox
import Testing

@Suite struct CompileTests {
    @Test func reportsSyntaxErrorsWithTheirLine() {
        #expect(throws: ScriptSyntaxError.self) { try CompiledScript.compile(source: "local x = 1\nreturn x +", chunkName: "message.lua") }
        do {
            _ = try CompiledScript.compile(source: "local a = 1\nlocal b = 2\nif a then\n  return b\n", chunkName: "message.lua")
            Issue.record("an unterminated if compiled")
        } catch {
            #expect(error.line == 5)
            #expect(error.message.hasPrefix("message.lua:5:"))
            #expect(ScriptSyntaxError.code == "SCRIPT_SYNTAX_ERROR")
        }
        do {
            _ = try CompiledScript.compile(source: "return 1\n\n x y z", chunkName: "join.lua")
            Issue.record("garbage compiled")
        } catch {
            #expect(error.line == 3)
        }
    }

    @Test func refusesBinaryChunks() throws {
        let sandbox = try LuaSandbox()
        let bytecode = try Harness.run("return string.dump ~= nil", on: sandbox)
        #expect(Harness.values(bytecode) == [false])
        do {
            _ = try CompiledScript.compile(source: "\u{1B}LuaT\u{0}\u{19}\u{93}\r\n\u{1A}\n", chunkName: "message.lua")
            Issue.record("a binary chunk compiled")
        } catch {
            #expect(error.message.contains("binary"))
            #expect(error.line == 1)
        }
    }

    @Test func deeplyNestedSourceIsASyntaxError() {
        let source = "return " + String(repeating: "(", count: 1000) + "1" + String(repeating: ")", count: 1000)
        #expect(throws: ScriptSyntaxError.self) { try CompiledScript.compile(source: source, chunkName: "deep.lua") }
    }

    @Test func eachCompileIsANewVersion() throws {
        let first = try Harness.compile("return 1")
        let second = try Harness.compile("return 1")
        #expect(first.id != second.id)
    }

    @Test func runtimeErrorsNameTheChunkAndLine() throws {
        let outcome = try Harness.run("local x = 1\nreturn x.y.z")
        let failure = Harness.failure(outcome)
        #expect(failure?.code == .scriptError)
        #expect(failure?.status == 500)
        #expect(failure?.message.hasPrefix("message.lua:2:") == true)
    }

    /// Lua cuts chunk names to 59 bytes; a deep `handlers/` path must still give its line.
    @Test func longChunkNamesKeepTheLineNumber() throws {
        let name = "/a/very/long/path/that/goes/on/and/on/handlers/chat/events/typing.lua"
        #expect(throws: ScriptSyntaxError(message: name + ":3: unexpected symbol near '='", line: 3)) {
            try Harness.compile("local a = 1\n\nreturn = 2", name: name)
        }
        let script = try Harness.compile("local x = 1\nreturn x.y.z", name: name)
        let failure = Harness.failure(try LuaSandbox().run(script, context: Harness.context, socket: RecordingSocket()))
        #expect(failure?.message.hasPrefix("...") == true)
        #expect(failure?.message.contains("events/typing.lua:2:") == true)
        #expect(try Harness.compile("return 1", name: "short.lua").chunkName == "short.lua")
    }

    @Test func recompiledScriptsRunTheirNewVersion() throws {
        let sandbox = try LuaSandbox()
        let socket = RecordingSocket()
        let first = try Harness.compile("return 'v1'")
        let second = try Harness.compile("return 'v2'")
        #expect(Harness.values(sandbox.run(first, context: Harness.context, socket: socket)) == ["v1"])
        #expect(Harness.values(sandbox.run(second, context: Harness.context, socket: socket)) == ["v2"])
        #expect(Harness.values(sandbox.run(first, context: Harness.context, socket: socket)) == ["v1"])
    }

    @Test func aSmallChunkCacheEvictsAndReloads() throws {
        let sandbox = try LuaSandbox(chunkCacheCapacity: 2)
        let scripts = try (0..<5).map { try Harness.compile("return \($0)") }
        for round in 0..<3 {
            for (index, script) in scripts.enumerated() {
                let outcome = sandbox.run(script, context: Harness.context, socket: RecordingSocket())
                #expect(Harness.values(outcome) == [.int(index)], "round \(round)")
            }
        }
    }
}
