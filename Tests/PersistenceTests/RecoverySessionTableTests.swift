import Testing

@testable import Persistence

/// The sessions a cluster keeps for connection state recovery, in PostgreSQL: any node reads a session another kept,
/// one removal wins, and an expired session is not handed out.
@Suite(.enabled(if: Backend.all.contains(.postgres)))
struct RecoverySessionTableTests {
    @Test func aSessionKeptByOneNodeIsTakenOnceByAnother() async throws {
        try await BackplaneHarness.withNodes(["a", "b"]) { nodes async throws in
            let (a, b) = (nodes[0].backplane.recoverySessions, nodes[1].backplane.recoverySessions)
            try await a.keep(namespace: "/live", pid: "p1", disconnection: "d1", state: #"{"id":"s1"}"#, connectedOn: nil, retention: .seconds(60))
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
            try await table.keep(namespace: "/live", pid: "p1", disconnection: "d1", state: "{}", connectedOn: nil, retention: .seconds(60))
            try await table.keep(namespace: "/live", pid: "p1", disconnection: "d2", state: #"{"n":2}"#, connectedOn: nil, retention: .seconds(60))
            let read = try #require(try await table.session(pid: "p1", in: "/live"))
            #expect(read.disconnection == "d2" && read.state == #"{"n":2}"#)
            // Expired: not handed out, yet still the keeping node's to remove as its window ends.
            try await table.keep(namespace: "/live", pid: "p2", disconnection: "d1", state: "{}", connectedOn: nil, retention: .zero)
            #expect(try await table.session(pid: "p2", in: "/live") == nil)
            #expect(try await table.remove(pid: "p2", disconnection: "d1", in: "/live"))
        }
    }

    /// A connected socket's row does not expire while its node is in the registry, whatever its window; once the node
    /// is gone (it stopped without writing its sockets' sessions: killed), the others' heartbeats make each row a kept
    /// session whose window starts then.
    @Test func aConnectedSocketsRowBecomesAKeptSessionOnceItsNodeIsGone() async throws {
        let timing: (String) -> ClusterTiming = { id in ClusterTiming(heartbeatInterval: id == "b" ? .milliseconds(50) : .seconds(3_600)) }
        try await BackplaneHarness.withNodes(["a", "b"], timing: timing) { nodes async throws in
            let (a, b) = (nodes[0].backplane, nodes[1].backplane)
            await a.join(address: "127.0.0.1:4000", sockets: { 0 })
            try await a.recoverySessions.keep(namespace: "/live", pid: "p1", disconnection: "d1", state: "{}", connectedOn: "a",
                                              retention: .zero)
            try await a.recoverySessions.keep(namespace: "/live", pid: "p2", disconnection: "d2", state: "{}", connectedOn: "a",
                                              retention: .seconds(60))
            await b.join(address: "127.0.0.1:4001", sockets: { 0 })
            // Two of b's heartbeats after the rows were written: a is alive, so both stay connected.
            let beat = "SELECT heartbeat_at::text FROM cluster_nodes WHERE id = 'b'"
            for _ in 0..<2 {
                let before = try RawSQL.strings(beat, on: nodes[1].store.collections)
                #expect(try await BackplaneHarness.eventually { try RawSQL.strings(beat, on: nodes[1].store.collections) != before })
            }
            #expect(try await b.recoverySessions.session(pid: "p1", in: "/live")?.connectedOn == "a", "no window while connected")
            await a.close()
            let kept = RecoverySessionRow(disconnection: "d2", state: "{}", connectedOn: nil)
            #expect(try await BackplaneHarness.eventually { try await b.recoverySessions.session(pid: "p2", in: "/live") == kept },
                    "kept for its minute")
            #expect(try await b.recoverySessions.session(pid: "p1", in: "/live") == nil, "its zero window ended at once")
        }
    }

    /// A node that starts again under its id (killed, then restarted before the others noticed) makes its previous
    /// run's connected rows kept sessions before it serves.
    @Test func aNodeStartingAgainUnderItsIdKeepsItsPreviousRunsSockets() async throws {
        try await BackplaneHarness.withNodes(["a"]) { nodes async throws in
            try await nodes[0].backplane.recoverySessions.keep(namespace: "/live", pid: "p1", disconnection: "d1", state: "{}",
                                                                 connectedOn: "a", retention: .seconds(60))
            let again = try #require(try await Stores.openBackplane(for: nodes[0].store, node: "a"))
            #expect(try await again.recoverySessions.session(pid: "p1", in: "/live")?.connectedOn == nil)
            await again.close()
        }
    }
}
