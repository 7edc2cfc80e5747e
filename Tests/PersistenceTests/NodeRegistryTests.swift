import Testing

@testable import Persistence

/// The registry of live nodes in PostgreSQL: a node is known once it joined, and dropped once it stops heartbeating.
@Suite(.enabled(if: Backend.all.contains(.postgres)))
struct NodeRegistryTests {
    @Test func aNodeIsSeenWhenItJoinsAndDropsOutWhenItStopsHeartbeating() async throws {
        // `a` heartbeats often; `b` beats once as it joins and then (an hour on) never again, as a node that died.
        let timing: (String) -> ClusterTiming = { id in
            id == "a" ? ClusterTiming(heartbeatInterval: .milliseconds(50), nodeExpiry: .seconds(2))
                : ClusterTiming(heartbeatInterval: .seconds(3_600), nodeExpiry: .seconds(2))
        }
        try await BackplaneHarness.withNodes(["a", "b"], timing: timing) { nodes async throws in
            let (a, b) = (nodes[0].backplane, nodes[1].backplane)
            await a.join(address: "127.0.0.1:4000", sockets: { 0 })
            #expect(a.registry.nodes.map(\.id) == ["a"])
            await b.join(address: "127.0.0.1:4001", sockets: { 7 })
            #expect(b.registry.nodes.map(\.id) == ["a", "b"])
            #expect(try await BackplaneHarness.eventually { a.registry.node("b") != nil })
            let seen = try #require(a.registry.node("b"))
            #expect(seen.address == "127.0.0.1:4001" && seen.sockets == 7)
            #expect(seen.startedAt.hasSuffix("Z") && seen.lastHeartbeat >= seen.startedAt)

            #expect(try await BackplaneHarness.eventually { a.registry.node("b") == nil })
            #expect(a.registry.nodes.map(\.id) == ["a"])
            // `a`'s heartbeats delete the row of the node that stopped.
            #expect(try await BackplaneHarness.eventually {
                try RawSQL.strings("SELECT id FROM cluster_nodes ORDER BY id", on: nodes[0].store.collections) == ["a"]
            })
        }
    }

    @Test func aNodeThatLeavesIsDroppedAtOnce() async throws {
        // Nobody heartbeats again after joining: only the registry's notifications can tell `a` anything.
        let timing: (String) -> ClusterTiming = { _ in ClusterTiming(heartbeatInterval: .seconds(3_600)) }
        try await BackplaneHarness.withNodes(["a", "b"], timing: timing) { nodes async throws in
            let (a, b) = (nodes[0].backplane, nodes[1].backplane)
            await a.join(address: "127.0.0.1:4000", sockets: { 0 })
            await b.join(address: "127.0.0.1:4001", sockets: { 0 })
            #expect(try await BackplaneHarness.eventually { a.registry.node("b") != nil })
            await b.close()
            #expect(try await BackplaneHarness.eventually { a.registry.node("b") == nil })
            #expect(try RawSQL.strings("SELECT id FROM cluster_nodes", on: nodes[0].store.collections) == ["a"])
        }
    }
}
