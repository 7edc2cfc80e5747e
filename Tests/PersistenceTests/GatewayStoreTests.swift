import Foundation
import GRDB
import PostgresNIO
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
        (GatewayDraft(path: "/chat", recovery: GatewayRecovery(enabled: true, maxDisconnectionMs: 999)), "recovery.maxDisconnectionMs"),
        (GatewayDraft(path: "/chat", recovery: GatewayRecovery(maxDisconnectionMs: 86_400_001)), "recovery.maxDisconnectionMs"),
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
            disconnectScript: nil, fallbackScript: nil, hooks: ["messages": "return 1"], connectionTimeoutMs: 5000, defaultAck: .callback,
            recovery: GatewayRecovery(enabled: true, maxDisconnectionMs: 30_000, skipConnectionHandler: false), origin: .folder,
            folderName: "chat", version: 3,
            createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0)
        )
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(record)) as? [String: Any]
        #expect(Set(object?.keys ?? [:].keys) == [
            "id", "path", "enabled", "requireAuth", "description", "connectionScript", "disconnectScript",
            "fallbackScript", "hooks", "connectionTimeoutMs", "defaultAck", "recovery", "origin", "folderName", "version", "createdAt",
            "updatedAt",
        ])
        let recovery = object?["recovery"] as? [String: Any]
        #expect(Set(recovery?.keys ?? [:].keys) == ["enabled", "maxDisconnectionMs", "skipConnectionHandler"])
        #expect(recovery?["enabled"] as? Bool == true)
        #expect(recovery?["maxDisconnectionMs"] as? Int == 30_000)
        #expect(recovery?["skipConnectionHandler"] as? Bool == false)
        #expect(object?["connectionScript"] is NSNull)
        #expect(object?["fallbackScript"] is NSNull)
        #expect(object?["defaultAck"] as? String == "callback")
        #expect(object?["origin"] as? String == "folder")
        #expect(object?["hooks"] as? [String: String] == ["messages": "return 1"])
    }

    // MARK: recovery (socket.io connection state recovery, issue 23)

    @Test(arguments: Backend.all)
    func recoveryRoundTripsAndDefaultsToDisabled(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let plain = try await store.createGateway(GatewayDraft(path: "/plain"))
            #expect(plain.recovery == .disabled)
            #expect(plain.recovery == GatewayRecovery(enabled: false, maxDisconnectionMs: 120_000, skipConnectionHandler: true))

            let custom = GatewayRecovery(enabled: true, maxDisconnectionMs: 45_000, skipConnectionHandler: false)
            let recovering = try await store.createGateway(GatewayDraft(path: "/recovering", recovery: custom))
            #expect(recovering.recovery == custom)
            #expect(try await store.gateway(id: recovering.id).recovery == custom)
            #expect(try await store.gateway(path: "/plain")?.recovery == .disabled)
            #expect(try await store.gateways().map(\.recovery) == [.disabled, custom])
            #expect(try await store.snapshot().gateways.map(\.gateway.recovery) == [.disabled, custom])
        }
    }

    /// The database's CHECK and `ConfigRules` agree on the range: both ends are stored, one past each is refused
    /// (by the rules, naming the field).
    @Test(arguments: Backend.all)
    func recoveryWindowBoundsAreStoredAndOnePastThemRefused(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let shortest = try await store.createGateway(GatewayDraft(path: "/a", recovery: GatewayRecovery(maxDisconnectionMs: 1000)))
            let longest = try await store.createGateway(GatewayDraft(path: "/b", recovery: GatewayRecovery(maxDisconnectionMs: 86_400_000)))
            #expect(try await store.gateway(id: shortest.id).recovery.maxDisconnectionMs == 1000)
            #expect(try await store.gateway(id: longest.id).recovery.maxDisconnectionMs == 86_400_000)

            for bad in [999, 86_400_001, 0, -1] {
                let error = await #expect(throws: ConfigStoreError.self) {
                    try await store.updateGateway(id: shortest.id, GatewayPatch(recoveryChanges: GatewayRecoveryPatch(maxDisconnectionMs: bad)))
                }
                #expect(error?.code == "invalid_field")
                #expect(error?.field == "recovery.maxDisconnectionMs")
                #expect(error?.message == "must be an integer between 1000 and 86400000")
                let whole = await #expect(throws: ConfigStoreError.self) {
                    try await store.updateGateway(id: shortest.id, GatewayPatch(recovery: GatewayRecovery(maxDisconnectionMs: bad)))
                }
                #expect(whole?.field == "recovery.maxDisconnectionMs")
            }
            #expect(try await store.gateway(id: shortest.id) == shortest)
        }
    }

    @Test(arguments: Backend.all)
    func recoveryPatchMergesFieldByFieldOrReplacesTheWhole(backend: Backend) async throws {
        try await backend.withStore { store async throws in
            let created = try await store.createGateway(GatewayDraft(
                path: "/chat", recovery: GatewayRecovery(enabled: false, maxDisconnectionMs: 5000, skipConnectionHandler: false)))

            // One field: the other two stay, and the version moves.
            let enabled = try await store.updateGateway(id: created.id, GatewayPatch(recoveryChanges: GatewayRecoveryPatch(enabled: true)))
            #expect(enabled.recovery == GatewayRecovery(enabled: true, maxDisconnectionMs: 5000, skipConnectionHandler: false))
            #expect(enabled.version == created.version + 1)
            #expect(try await store.gateway(id: created.id).recovery == enabled.recovery)

            // Two fields at once, other settings untouched.
            let two = try await store.updateGateway(id: created.id, GatewayPatch(
                description: "d", recoveryChanges: GatewayRecoveryPatch(maxDisconnectionMs: 60_000, skipConnectionHandler: true)))
            #expect(two.recovery == GatewayRecovery(enabled: true, maxDisconnectionMs: 60_000, skipConnectionHandler: true))
            #expect(two.description == "d")

            // A patch of other fields keeps recovery.
            let renamed = try await store.updateGateway(id: created.id, GatewayPatch(path: "/chat2"))
            #expect(renamed.recovery == two.recovery)

            // `recovery` replaces the whole: fields it leaves at their defaults go back to them.
            let replaced = try await store.updateGateway(id: created.id, GatewayPatch(recovery: GatewayRecovery(maxDisconnectionMs: 7000)))
            #expect(replaced.recovery == GatewayRecovery(enabled: false, maxDisconnectionMs: 7000, skipConnectionHandler: true))

            // Both: the changes apply on top of the replacement.
            let both = try await store.updateGateway(id: created.id, GatewayPatch(
                recovery: .disabled, recoveryChanges: GatewayRecoveryPatch(enabled: true)))
            #expect(both.recovery == GatewayRecovery(enabled: true))

            // Setting what is already stored writes nothing.
            let revision = try await store.revision()
            let same = try await store.updateGateway(id: created.id, GatewayPatch(recoveryChanges: GatewayRecoveryPatch(enabled: true)))
            #expect(same == both)
            #expect(try await store.revision() == revision)
        }
    }

    /// A gateway stored before the setting existed reads as `.disabled` once the migration that adds it has run, and
    /// can then be given one.
    @Test(arguments: Backend.all)
    func gatewaysStoredBeforeRecoveryGetTheDefaults(backend: Backend) async throws {
        let adding = try #require(backend.migrations.first { $0.name.hasSuffix("_gateway_recovery") })
        let earlier = backend.migrations.filter { $0.id < adding.id }.sorted { $0.id < $1.id }
        try await backend.withDatabase { database async throws in
            switch backend {
            case .sqlite:
                let queue = try DatabaseQueue(path: database.location)
                var migrator = DatabaseMigrator()
                for migration in earlier {
                    migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
                }
                try migrator.migrate(queue)
                try await queue.write { db in try db.execute(sql: "INSERT INTO gateways (path, description) VALUES ('/old', 'kept')") }
                try queue.close()
            case .postgres:
                try PostgresTestSchema.administer(database.location) { session in
                    _ = try session.query(PostgresMigrator.createTable)
                    try session.execute("CREATE OR REPLACE FUNCTION pg_temp.gatewayd_execute(sql text) RETURNS void LANGUAGE plpgsql AS $$BEGIN EXECUTE sql; END$$")
                    for migration in earlier {
                        _ = try session.query("SELECT pg_temp.gatewayd_execute(\(migration.sql))")
                        _ = try session.query("INSERT INTO gatewayd_migrations (id, name) VALUES (\(migration.id), \(migration.name))")
                    }
                    _ = try session.query("INSERT INTO gateways (path, description) VALUES ('/old', 'kept')")
                }
            }

            let store = try database.open()
            #expect(try await store.appliedMigrations() == backend.migrations.map(\.name))
            let old = try #require(try await store.gateway(path: "/old"))
            #expect(old.description == "kept")
            #expect(old.recovery == .disabled)

            let changed = try await store.updateGateway(id: old.id, GatewayPatch(recoveryChanges: GatewayRecoveryPatch(enabled: true)))
            #expect(changed.recovery == GatewayRecovery(enabled: true))
            #expect(try await store.gateway(id: old.id).recovery == GatewayRecovery(enabled: true))
        }
    }

    @Test func recoveryDecodesAbsentKeysAsDefaultsAndRefusesUnknownOnes() throws {
        let partial = try JSONDecoder().decode(GatewayRecovery.self, from: Data(#"{"enabled": true}"#.utf8))
        #expect(partial == GatewayRecovery(enabled: true, maxDisconnectionMs: 120_000, skipConnectionHandler: true))
        let full = GatewayRecovery(enabled: true, maxDisconnectionMs: 9000, skipConnectionHandler: false)
        #expect(try JSONDecoder().decode(GatewayRecovery.self, from: JSONEncoder().encode(full)) == full)

        let error = #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(GatewayRecovery.self, from: Data(#"{"enabled": true, "maxDisconnectMs": 5000}"#.utf8))
        }
        guard case .dataCorrupted(let context) = error else {
            Issue.record("expected dataCorrupted, got \(String(describing: error))")
            return
        }
        #expect(context.codingPath.map(\.stringValue) == ["maxDisconnectMs"])
    }
}
