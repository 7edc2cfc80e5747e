import Testing

@testable import Persistence

@Suite struct RevisionTests {
    @Test(arguments: Backend.all)
    func everyChangeBumpsTheRevision(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            var last = try await store.revision()

            func expectBumped(_ sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let now = try await store.revision()
                #expect(now > last, sourceLocation: sourceLocation)
                last = now
            }

            let gateway = try await store.createGateway(GatewayDraft(path: "/chat"))
            try await expectBumped()
            _ = try await store.updateGateway(id: gateway.id, GatewayPatch(requireAuth: true))
            try await expectBumped()
            _ = try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "message", script: ""))
            try await expectBumped()
            _ = try await store.updateEvent(gatewayId: gateway.id, eventName: "message", EventPatch(enabled: false))
            try await expectBumped()
            try await store.deleteEvent(gatewayId: gateway.id, eventName: "message")
            try await expectBumped()
            try await store.deleteGateway(id: gateway.id)
            try await expectBumped()
        }
    }

    @Test(arguments: Backend.all)
    func snapshotGroupsEventsUnderTheirGateways(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let chat = try await store.createGateway(GatewayDraft(path: "/chat"))
            let root = try await store.createGateway(GatewayDraft(path: "/"))
            _ = try await store.createEvent(gatewayId: chat.id, EventDraft(eventName: "typing", script: ""))
            _ = try await store.createEvent(gatewayId: chat.id, EventDraft(eventName: "message", script: ""))
            _ = try await store.createEvent(gatewayId: root.id, EventDraft(eventName: "ping", script: ""))

            let snapshot = try await store.snapshot()

            #expect(snapshot.gateways.map(\.gateway.path) == ["/", "/chat"])
            #expect(snapshot.gateways.map { $0.events.map(\.eventName) } == [["ping"], ["message", "typing"]])
            #expect(snapshot.gateways[1].gateway.version == (try await store.gateway(id: chat.id)).version)
        }
    }
}
