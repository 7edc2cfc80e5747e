import Synchronization
import Testing

@testable import Persistence

/// Every config change on PostgreSQL reaches every node's backplane at once, whichever node (or process) made it.
@Suite(.enabled(if: Backend.all.contains(.postgres)))
struct ConfigNotificationTests {
    @Test func aChangeOnOneNodeIsHeardOnTheOthers() async throws {
        try await BackplaneHarness.withNodes(["a", "b"]) { nodes async throws in
            let heard = Atomic<Int>(0)
            try await nodes[1].backplane.onConfigChange { heard.add(1, ordering: .relaxed) }
            let gateway = try await nodes[0].store.createGateway(GatewayDraft(path: "/chat"))
            #expect(try await BackplaneHarness.eventually { heard.load(ordering: .relaxed) >= 1 })
            _ = try await nodes[0].store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "message", script: ""))
            #expect(try await BackplaneHarness.eventually { heard.load(ordering: .relaxed) >= 2 })
        }
    }
}
