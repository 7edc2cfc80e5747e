import Testing
import JSONCore
import NIOCore
import ScriptSandbox
@testable import AdminHTTP

@Suite struct TestRunnerTests {
    @Test func resultFollowsQueuedSemantics() {
        #expect(HandlerOutcome.result(of: []) == .null)
        #expect(HandlerOutcome.result(of: [1]) == 1)
        #expect(HandlerOutcome.result(of: [1, "a"]) == [1, "a"])
    }

    @Test func userTakesIdFromSub() throws {
        #expect(try TestRunner.user(from: ["sub": "u1", "role": "admin"]) == ["sub": "u1", "id": "u1", "role": "admin"])
        #expect(try TestRunner.user(from: .null) == nil)
        #expect(throws: AdminError.validation(field: "user.id", "is required (a string, or given as 'sub')")) {
            try TestRunner.user(from: ["role": "admin"])
        }
    }

    @Test func handshakeMergesOverDefaults() throws {
        let handshake = try TestRunner.handshake(over: ["query": ["room": "a"]])
        #expect(handshake["query"] == ["room": "a"])
        #expect(handshake["address"] == "127.0.0.1")
        #expect(handshake["url"] == "/socket.io/")
        #expect(handshake["headers"] == [:])
    }

    @Test func bearerTokenComparison() {
        #expect(AdminCredentials.constantTimeEquals(Array("secret".utf8), Array("secret".utf8)))
        #expect(!AdminCredentials.constantTimeEquals(Array("secret".utf8), Array("secrets".utf8)))
        // Same length, so a comparison of lengths alone would pass them.
        #expect(!AdminCredentials.constantTimeEquals(Array("secret".utf8), Array("secreT".utf8)))
        #expect(!AdminCredentials.constantTimeEquals(Array("secret".utf8), Array("Secret".utf8)))
        #expect(AdminCredentials.bearerToken("Bearer abc") == "abc")
        #expect(AdminCredentials.bearerToken("Basic abc") == nil)
        #expect(AdminCredentials.isLoopback(try? SocketAddress(ipAddress: "127.0.0.1", port: 1)))
        #expect(AdminCredentials.isLoopback(try? SocketAddress(ipAddress: "::1", port: 1)))
        #expect(!AdminCredentials.isLoopback(try? SocketAddress(ipAddress: "10.0.0.1", port: 1)))
        #expect(!AdminCredentials.isLoopback(nil))
    }
}
