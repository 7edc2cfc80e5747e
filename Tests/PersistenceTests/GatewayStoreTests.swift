import Foundation
import Testing

@testable import Persistence

@Suite struct GatewayStoreTests {
    @Test(arguments: Backend.all)
    func createdGatewayRoundTrips(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let created = try await store.createGateway(GatewayDraft(
                path: "/chat",
                requireAuth: true,
                description: "rooms",
                connectionScript: "SOCKET.reply('hi')",
                connectionTimeoutMs: 2000
            ))

            #expect(created.path == "/chat")
            #expect(created.enabled)
            #expect(created.requireAuth)
            #expect(created.description == "rooms")
            #expect(created.connectionScript == "SOCKET.reply('hi')")
            #expect(created.disconnectScript == nil)
            #expect(created.connectionTimeoutMs == 2000)
            #expect(created.origin == .api)
            #expect(created.folderName == nil)
            #expect(created.version == 1)
            #expect(abs(created.createdAt.timeIntervalSinceNow) < 60)
            #expect(try await store.gateway(id: created.id) == created)
            #expect(try await store.gateway(path: "/chat") == created)
            #expect(try await store.gateways() == [created])
        }
    }

    @Test(arguments: Backend.all)
    func rootPathIsAllowed(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            #expect(try await store.createGateway(GatewayDraft(path: "/")).path == "/")
        }
    }

    @Test(arguments: Backend.all)
    func duplicatePathIsAConflictOnPath(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            _ = try await store.createGateway(GatewayDraft(path: "/chat"))
            let other = try await store.createGateway(GatewayDraft(path: "/other"))

            let onCreate = await #expect(throws: ConfigStoreError.self) { try await store.createGateway(GatewayDraft(path: "/chat")) }
            #expect(onCreate?.code == "conflict")
            #expect(onCreate?.field == "path")
            let onUpdate = await #expect(throws: ConfigStoreError.self) { try await store.updateGateway(id: other.id, GatewayPatch(path: "/chat")) }
            #expect(onUpdate?.field == "path")
        }
    }

    @Test(arguments: [
        (GatewayDraft(path: "chat"), "path"),
        (GatewayDraft(path: "/my chat"), "path"),
        (GatewayDraft(path: "/" + String(repeating: "a", count: 200)), "path"),
        (GatewayDraft(path: "/chat?x=1"), "path"),
        (GatewayDraft(path: "/chat", connectionTimeoutMs: 0), "connectionTimeoutMs"),
        (GatewayDraft(path: "/chat", connectionTimeoutMs: 300_001), "connectionTimeoutMs"),
    ])
    func invalidDraftNamesTheField(draft: GatewayDraft, field: String) async throws {
        let store = try Stores.inMemory()
        let error = await #expect(throws: ConfigStoreError.self) { try await store.createGateway(draft) }
        #expect(error?.code == "invalid_field")
        #expect(error?.field == field)
        #expect(try await store.gateways().isEmpty)
    }

    @Test(arguments: Backend.all)
    func patchChangesOnlyTheFieldsItSetsAndTellsAbsentFromNull(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let created = try await store.createGateway(GatewayDraft(
                path: "/chat", description: "before", connectionScript: "connect()", disconnectScript: "bye()"
            ))

            let updated = try await store.updateGateway(
                id: created.id,
                GatewayPatch(enabled: false, connectionScript: .clear, disconnectScript: .keep)
            )
            #expect(updated.enabled == false)
            #expect(updated.connectionScript == nil)
            #expect(updated.disconnectScript == "bye()")
            #expect(updated.description == "before")
            #expect(updated.path == "/chat")
            #expect(updated.version == created.version + 1)
            #expect(updated.updatedAt >= created.updatedAt)
            #expect(updated.createdAt == created.createdAt)

            let scripted = try await store.updateGateway(id: created.id, GatewayPatch(connectionScript: .set("again()")))
            #expect(scripted.connectionScript == "again()")
            #expect(scripted.version == updated.version + 1)
        }
    }

    @Test(arguments: Backend.all)
    func patchThatChangesNothingKeepsTheVersion(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let created = try await store.createGateway(GatewayDraft(path: "/chat", description: "same"))
            let revision = try await store.revision()

            let patched = try await store.updateGateway(id: created.id, GatewayPatch(path: "/chat", description: "same"))
            #expect(patched == created)
            #expect(try await store.revision() == revision)
        }
    }

    @Test(arguments: Backend.all)
    func unknownGatewayIsNotFound(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            await #expect(throws: ConfigStoreError.gatewayNotFound(id: 42)) { try await store.gateway(id: 42) }
            await #expect(throws: ConfigStoreError.gatewayNotFound(id: 42)) { try await store.updateGateway(id: 42, GatewayPatch(enabled: false)) }
            await #expect(throws: ConfigStoreError.gatewayNotFound(id: 42)) { try await store.deleteGateway(id: 42) }
            #expect(ConfigStoreError.gatewayNotFound(id: 42).code == "gateway_not_found")
            #expect(try await store.gateway(path: "/nowhere") == nil)
        }
    }

    @Test(arguments: Backend.all)
    func deletingAGatewayDeletesItsEvents(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let gateway = try await store.createGateway(GatewayDraft(path: "/chat"))
            _ = try await store.createEvent(gatewayId: gateway.id, EventDraft(eventName: "message", script: "return 1"))
            let kept = try await store.createGateway(GatewayDraft(path: "/kept"))
            _ = try await store.createEvent(gatewayId: kept.id, EventDraft(eventName: "message", script: "return 2"))

            try await store.deleteGateway(id: gateway.id)

            let eventRows = try RawSQL.strings("SELECT CAST(COUNT(*) AS TEXT) FROM gateway_events", on: store.collections)
            #expect(eventRows == ["1"])
            #expect(try await store.snapshot().gateways.map(\.gateway.path) == ["/kept"])
        }
    }

    @Test func recordEncodesWithTheProductFieldNames() throws {
        let record = GatewayRecord(
            id: 1, path: "/chat", enabled: true, requireAuth: false, description: "", connectionScript: nil,
            disconnectScript: nil, fallbackScript: nil, hooks: ["messages": "return 1"], connectionTimeoutMs: 5000, defaultAck: .callback, origin: .folder,
            folderName: "chat", version: 3,
            createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0)
        )
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any]
        #expect(Set(object?.keys ?? [:].keys) == [
            "id", "path", "enabled", "requireAuth", "description", "connectionScript", "disconnectScript",
            "fallbackScript", "hooks", "connectionTimeoutMs", "defaultAck", "origin", "folderName", "version", "createdAt", "updatedAt",
        ])
        #expect(object?["connectionScript"] is NSNull)
        #expect(object?["fallbackScript"] is NSNull)
        #expect(object?["defaultAck"] as? String == "callback")
        #expect(object?["origin"] as? String == "folder")
        #expect(object?["hooks"] as? [String: String] == ["messages": "return 1"])
    }
}
