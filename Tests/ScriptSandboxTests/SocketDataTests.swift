import JSONCore
import ScriptSandbox
import Testing

/// `SOCKET.data`: what one run leaves, the socket keeps for the next; what cannot be kept leaves the previous value.
@Suite struct SocketDataTests {
    @Test func whatARunLeavesTheNextOneReads() throws {
        let sandbox = try LuaSandbox()
        let socket = RecordingSocket(data: ["count": 1])
        let script = "SOCKET.data.count = SOCKET.data.count + 1; SOCKET.data.seen = JSON.array({}); return SOCKET.data.count"
        #expect(Harness.values(try Harness.run(script, on: sandbox, socket: socket)) == [2])
        #expect(Harness.values(try Harness.run(script, on: sandbox, socket: socket)) == [3])
        #expect(socket.data == ["count": 3, "seen": []])
    }

    @Test func dataIsReadRawWhateverTheScriptDidToItsGlobals() throws {
        let socket = RecordingSocket()
        // Metamethods never run on the way out, and replacing the SOCKET global does not hide the socket's table.
        let trapped = "SOCKET.data = setmetatable({a = 1}, {__pairs = function() while true do end end, __index = error}); SOCKET = nil"
        #expect(Harness.values(try Harness.run(trapped, socket: socket)) == [])
        #expect(socket.data == ["a": 1])
    }

    @Test func nilAndAnEmptyTableLeaveNothingToKeep() throws {
        let socket = RecordingSocket(data: ["a": 1])
        _ = try Harness.run("SOCKET.data = nil", socket: socket)
        #expect(socket.data == JSONValue?.none)
        #expect(Harness.values(try Harness.run("return type(SOCKET.data), next(SOCKET.data) == nil", socket: socket)) == ["table", true])
        _ = try Harness.run("SOCKET.data.x = 1", socket: socket)
        _ = try Harness.run("SOCKET.data.x = nil", socket: socket)
        #expect(socket.data == JSONValue?.none)
    }

    @Test func overTheLimitFailsAndKeepsThePreviousValue() throws {
        let socket = RecordingSocket(data: ["a": 1])
        let limits = HandlerLimits(socketDataBytes: 100)
        let failure = Harness.failure(try Harness.run("SOCKET.data.b = string.rep('x', 200); return 1", socket: socket, limits: limits))
        #expect(failure?.code == .invalidResult)
        #expect(failure?.message.contains("limit of 100 bytes") == true)
        #expect(socket.data == ["a": 1])
        #expect(Harness.values(try Harness.run("SOCKET.data.b = string.rep('x', 50); return 1", socket: socket, limits: limits)) == [1])
        #expect(socket.data?["b"]?.stringValue?.count == 50)
    }

    @Test func aTimedOutRunKeepsNothing() throws {
        let socket = RecordingSocket(data: ["a": 1])
        let limits = HandlerLimits(timeout: .milliseconds(100))
        let failure = Harness.failure(try Harness.run("SOCKET.data.b = 2; while true do end", socket: socket, limits: limits))
        #expect(failure?.code == .scriptTimeout)
        #expect(socket.data == ["a": 1])
    }

    @Test func anArrayIsNotKept() throws {
        let socket = RecordingSocket()
        let failure = Harness.failure(try Harness.run("SOCKET.data = {1, 2, 3}; return 1", socket: socket))
        #expect(failure?.code == .invalidResult)
        #expect(socket.data == JSONValue?.none)
    }
}
