import Testing

@testable import Persistence

/// The sessions a cluster keeps for connection state recovery, in PostgreSQL: any node reads a session another kept,
/// one removal wins, and an expired session is not handed out.
@Suite(.enabled(if: Backend.all.contains(.postgres)))
struct RecoverySessionTableTests {
    @Test func aSessionKeptByOneNodeIsTakenOnceByAnother() async throws {
        try await BackplaneHarness.withNodes(["a", "b"]) { nodes async throws in
            let (a, b) = (nodes[0].backplane.recoverySessions, nodes[1].backplane.recoverySessions)
            try await a.keep(namespace: "/live", pid: "p1", disconnection: "d1", state: #"{"id":"s1"}"#, retention: .seconds(60))
            let read = try #require(try await b.session(pid: "p1", in: "/live"))
            #expect(read.disconnection == "d1" && read.state == #"{"id":"s1"}"#)
            #expect(try await b.session(pid: "p1", in: "/other") == nil)
            // Another disconnection's name (of the same length) removes nothing.
            #expect(try await b.remove(pid: "p1", disconnection: "d2", in: "/live") == false)
            #expect(try await b.remove(pid: "p1", disconnection: "d1", in: "/live"))
            #expect(try await a.remove(pid: "p1", disconnection: "d1", in: "/live") == false)
            #expect(try await a.session(pid: "p1", in: "/live") == nil)
        }
    }

    @Test func aLaterDisconnectionReplacesTheSessionAndAnExpiredOneIsNotHandedOut() async throws {
        try await BackplaneHarness.withNodes(["a"]) { nodes async throws in
            let table = nodes[0].backplane.recoverySessions
            try await table.keep(namespace: "/live", pid: "p1", disconnection: "d1", state: "{}", retention: .seconds(60))
            try await table.keep(namespace: "/live", pid: "p1", disconnection: "d2", state: #"{"n":2}"#, retention: .seconds(60))
            let read = try #require(try await table.session(pid: "p1", in: "/live"))
            #expect(read.disconnection == "d2" && read.state == #"{"n":2}"#)
            // Expired: not handed out, yet still the keeping node's to remove as its window ends.
            try await table.keep(namespace: "/live", pid: "p2", disconnection: "d1", state: "{}", retention: .zero)
            #expect(try await table.session(pid: "p2", in: "/live") == nil)
            #expect(try await table.remove(pid: "p2", disconnection: "d1", in: "/live"))
        }
    }
}
