import Foundation
import Testing

@testable import Persistence

@Suite struct EventStoreTests {
    /// Runs `body` with a fresh store of `backend` that has one gateway, `/chat`.
    private func withGateway(_ backend: Backend, _ body: (any ConfigStore, GatewayRecord) async throws -> Void) async throws {
        try await backend.withStore { store in try await body(store, try await store.createGateway(GatewayDraft(path: "/chat"))) }
    }

    @Test(arguments: Backend.all)
    func createdEventRoundTrips(backend: Backend) async throws {
        try await withGateway(backend) { store, gateway async throws in
            let created = try await store.createEvent(
                gatewayId: gateway.id,
                EventDraft(eventName: "message", script: "return BODY", timeoutMs: 1500, ack: .result, description: "echo")
            )

            #expect(created.gatewayId == gateway.id)
            #expect(created.eventName == "message")
            #expect(created.script == "return BODY")
            #expect(created.enabled)
            #expect(created.timeoutMs == 1500)
            #expect(created.ack == .result)
            #expect(created.description == "echo")
            #expect(created.version == 1)
            #expect(try await store.event(gatewayId: gateway.id, eventName: "message") == created)
            #expect(try await store.events(gatewayId: gateway.id) == [created])
            #expect(try await store.gatewayWithEvents(id: gateway.id).events == [created])
        }
    }

    @Test(arguments: Backend.all)
    func ackDefaultsToQueued(backend: Backend) async throws {
        try await withGateway(backend) { store, gateway async throws in
            let created = try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "ping", script: ""))
            #expect(created.ack == .queued)
            #expect(created.timeoutMs == 5000)
        }
    }

    @Test(arguments: Backend.all)
    func eventNameIsUniquePerGatewayOnly(backend: Backend) async throws {
        try await withGateway(backend) { store, gateway async throws in
            let other = try await store.createGateway(GatewayDraft(path: "/other"))
            _ = try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "message", script: ""))
            _ = try await store.createEvent(gatewayId: other.id, EventDraft(eventName: "message", script: ""))
            _ = try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "typing", script: ""))

            let onCreate = await #expect(throws: ConfigStoreError.self) {
                try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "message", script: ""))
            }
            #expect(onCreate?.code == "conflict")
            #expect(onCreate?.field == "eventName")
            let onRename = await #expect(throws: ConfigStoreError.self) {
                try await store.updateEvent(gatewayId: gateway.id, eventName: "typing", EventPatch(eventName: "message"))
            }
            #expect(onRename?.field == "eventName")
        }
    }

    @Test(arguments: [
        (EventDraft(eventName: "", script: ""), "eventName"),
        (EventDraft(eventName: "connect", script: ""), "eventName"),
        (EventDraft(eventName: "disconnecting", script: ""), "eventName"),
        (EventDraft(eventName: "newListener", script: ""), "eventName"),
        (EventDraft(eventName: String(repeating: "e", count: 201), script: ""), "eventName"),
        (EventDraft(eventName: "message", script: "", timeoutMs: 0), "timeoutMs"),
    ])
    func invalidDraftNamesTheField(draft: EventDraft, field: String) async throws {
        let store = try Stores.inMemory()
        let gateway = try await store.createGateway(GatewayDraft(path: "/chat"))
        let error = await #expect(throws: ConfigStoreError.self) { try await store.createEvent(gatewayId: gateway.id, draft) }
        #expect(error?.code == "invalid_field")
        #expect(error?.field == field)
    }

    @Test(arguments: Backend.all)
    func updateBumpsTheEventAndItsGatewayVersions(backend: Backend) async throws {
        try await withGateway(backend) { store, gateway async throws in
            let event = try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "message", script: "return 1"))
            let gatewayAfterCreate = try await store.gateway(id: gateway.id)
            #expect(gatewayAfterCreate.version > gateway.version)

            let updated = try await store.updateEvent(gatewayId: gateway.id, eventName: "message", EventPatch(script: "return 2", ack: .result))
            #expect(updated.script == "return 2")
            #expect(updated.ack == .result)
            #expect(updated.timeoutMs == event.timeoutMs)
            #expect(updated.version == event.version + 1)
            #expect(try await store.gateway(id: gateway.id).version > gatewayAfterCreate.version)

            let unchanged = try await store.updateEvent(gatewayId: gateway.id, eventName: "message", EventPatch(script: "return 2"))
            #expect(unchanged == updated)
        }
    }

    @Test(arguments: Backend.all)
    func renameKeepsTheEvent(backend: Backend) async throws {
        try await withGateway(backend) { store, gateway async throws in
            let event = try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "msg", script: "return 1"))

            let renamed = try await store.updateEvent(gatewayId: gateway.id, eventName: "msg", EventPatch(eventName: "message"))
            #expect(renamed.id == event.id)
            #expect(renamed.eventName == "message")
            await #expect(throws: ConfigStoreError.eventNotFound(gatewayId: gateway.id, eventName: "msg")) {
                try await store.event(gatewayId: gateway.id, eventName: "msg")
            }
        }
    }

    @Test(arguments: Backend.all)
    func deleteAndNotFound(backend: Backend) async throws {
        try await withGateway(backend) { store, gateway async throws in
            _ = try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "message", script: ""))

            try await store.deleteEvent(gatewayId: gateway.id, eventName: "message")

            #expect(try await store.events(gatewayId: gateway.id).isEmpty)
            let missing = await #expect(throws: ConfigStoreError.self) { try await store.deleteEvent(gatewayId: gateway.id, eventName: "message") }
            #expect(missing?.code == "event_not_found")
            await #expect(throws: ConfigStoreError.gatewayNotFound(id: 99)) {
                try await store.createEvent(gatewayId: 99, EventDraft(eventName: "message", script: ""))
            }
        }
    }

    @Test func recordEncodesWithTheProductFieldNames() throws {
        let record = EventRecord(
            id: 1, gatewayId: 2, eventName: "message", enabled: true, script: "", timeoutMs: 5000, ack: .queued,
            description: "", version: 1, createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0)
        )
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any]
        #expect(Set(object?.keys ?? [:].keys) == [
            "id", "gatewayId", "eventName", "enabled", "script", "timeoutMs", "ack", "description", "version",
            "createdAt", "updatedAt",
        ])
        #expect(object?["ack"] as? String == "queued")
    }
}
