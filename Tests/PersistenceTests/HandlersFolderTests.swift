import Foundation
import Testing

@testable import Persistence

@Suite struct HandlersFolderTests {
    /// A handlers folder with one valid gateway, `chat`, for each test to break in its own way.
    private func folder() throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory()
        try folder.write("chat/gateway.json", #"{"path": "/chat", "requireAuth": true, "eventTimeoutMs": 2000}"#)
        try folder.write("chat/connection.lua", "SOCKET.reply('welcome')")
        try folder.write("chat/events/message.lua", "return BODY")
        try folder.write("chat/events/notify.lua", "return 1")
        try folder.write("chat/events/notify.json", #"{"ack": "result", "timeoutMs": 300, "enabled": false, "description": "n"}"#)
        return folder
    }

    private func loadError(_ folder: TemporaryDirectory) -> HandlersFolderError? {
        #expect(throws: HandlersFolderError.self) { try HandlersFolder.load(from: folder.path) }
    }

    @Test func loadsGatewayScriptsAndEventSettings() throws {
        let folder = try folder()
        defer { folder.remove() }

        let loaded = try HandlersFolder.load(from: folder.path)

        let chat = try #require(loaded.gateways.first)
        #expect(loaded.gateways.count == 1)
        #expect(chat.folderName == "chat")
        #expect(chat.gateway == GatewayDraft(path: "/chat", requireAuth: true, connectionScript: "SOCKET.reply('welcome')"))
        #expect(chat.connectionScriptFile == "\(loaded.root)/chat/connection.lua")
        #expect(chat.disconnectScriptFile == nil)
        #expect(chat.events.map(\.event) == [
            EventDraft(eventName: "message", script: "return BODY", timeoutMs: 2000),
            EventDraft(eventName: "notify", script: "return 1", enabled: false, timeoutMs: 300, ack: .result, description: "n"),
        ])
    }

    @Test func defaultAckAppliesToEventsWithoutTheirOwnAndFallbackIsLoaded() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", #"{"path": "/chat", "defaultAck": "callback"}"#)
        try folder.write("chat/fallback.lua", "return EVENT")

        let chat = try #require(try HandlersFolder.load(from: folder.path).gateways.first)
        #expect(chat.gateway.defaultAck == .callback)
        #expect(chat.gateway.fallbackScript == "return EVENT")
        #expect(chat.fallbackScriptFile?.hasSuffix("/chat/fallback.lua") == true)
        #expect(chat.scripts.map(\.file).contains { $0.hasSuffix("/chat/fallback.lua") })
        // `message` has no settings file: the gateway's default; `notify` names its own.
        #expect(chat.events.map(\.event.ack) == [.callback, .result])
    }

    @Test func hooksAndDeclaredIndexesAreLoaded() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", #"{"path": "/chat", "indexes": {"messages": ["roomId", "user.id"]}}"#)
        try folder.write("chat/hooks/messages.lua", "SOCKET.emitToRoom('watchers', 'item.' .. BODY.action, BODY.item)")

        let chat = try #require(try HandlersFolder.load(from: folder.path).gateways.first)
        #expect(chat.gateway.hooks == ["messages": "SOCKET.emitToRoom('watchers', 'item.' .. BODY.action, BODY.item)"])
        #expect(chat.hookFiles["messages"]?.hasSuffix("/chat/hooks/messages.lua") == true)
        #expect(chat.scripts.map(\.file).contains { $0.hasSuffix("/chat/hooks/messages.lua") })
        #expect(chat.indexes == ["messages": ["roomId", "user.id"]])
    }

    @Test(arguments: [
        (#"{"path": "/chat", "indexes": {"messages": ["a b"]}}"#, "indexes.messages"),
        (#"{"path": "/chat", "indexes": {"bad name": ["x"]}}"#, "indexes.bad name"),
        (#"{"path": "/chat", "indexes": {"messages": "roomId"}}"#, "indexes"),
    ])
    func badIndexDeclarationsAreNamed(_ settings: String, _ field: String) throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", settings)
        let error = loadError(folder)
        #expect(error?.field == field)
        #expect(error?.file.hasSuffix("chat/gateway.json") == true)
    }

    @Test func aHookForNoValidCollectionNameIsRefused() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/hooks/9lives.lua", "return 1")
        #expect(loadError(folder)?.field == "hooks.9lives")
        try FileManager.default.removeItem(atPath: folder.path + "/chat/hooks/9lives.lua")
        try folder.write("chat/hooks/notes.json", "{}")
        #expect(loadError(folder)?.code == .unexpectedFile)
    }

    @Test func anUnknownDefaultAckIsNamed() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", #"{"path": "/chat", "defaultAck": "later"}"#)

        let error = loadError(folder)
        #expect(error?.code == .invalidField)
        #expect(error?.field == "defaultAck")
        #expect(error?.message.contains("\"callback\"") == true)
    }

    @Test func unknownKeyIsNamed() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", #"{"path": "/chat", "requireAuht": true}"#)

        let error = loadError(folder)
        #expect(error?.code == .unknownKey)
        #expect(error?.field == "requireAuht")
        #expect(error?.file.hasSuffix("/chat/gateway.json") == true)
    }

    @Test func missingPathIsReported() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", #"{"enabled": true}"#)

        let error = loadError(folder)
        #expect(error?.code == .missingField)
        #expect(error?.field == "path")
    }

    @Test(arguments: [
        (#"{"path": "chat"}"#, "path", HandlersFolderError.Code.invalidField),
        (#"{"path": "/chat", "enabled": "yes"}"#, "enabled", .invalidField),
        (#"{"path": "/chat", "connectionTimeoutMs": 0}"#, "connectionTimeoutMs", .invalidField),
        (#"{"path": "/chat", "eventTimeoutMs": 1.5}"#, "eventTimeoutMs", .invalidField),
    ])
    func badGatewayValueNamesFileAndField(json: String, field: String, code: HandlersFolderError.Code) throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", json)

        let error = loadError(folder)
        #expect(error?.code == code)
        #expect(error?.field == field)
        #expect(error?.file.hasSuffix("/chat/gateway.json") == true)
    }

    @Test func malformedJSONIsReported() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", #"{"path": "/chat",}"#)

        let error = loadError(folder)
        #expect(error?.code == .invalidJSON)
        #expect(error?.file.hasSuffix("/chat/gateway.json") == true)
    }

    @Test func badAckValueNamesTheEventSettingsFile() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/events/notify.json", #"{"ack": "immediate"}"#)

        let error = loadError(folder)
        #expect(error?.code == .invalidField)
        #expect(error?.field == "ack")
        #expect(error?.file.hasSuffix("/chat/events/notify.json") == true)
    }

    @Test func reservedEventNameNamesTheScript() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/events/disconnect.lua", "return 1")

        let error = loadError(folder)
        #expect(error?.field == "eventName")
        #expect(error?.file.hasSuffix("/chat/events/disconnect.lua") == true)
    }

    @Test func strayFilesAreRefused() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/conection.lua", "return 1")
        #expect(loadError(folder)?.code == .unexpectedFile)

        try folder.delete("chat/conection.lua")
        try folder.write("chat/events/orphan.json", "{}")
        let orphan = loadError(folder)
        #expect(orphan?.code == .unexpectedFile)
        #expect(orphan?.file.hasSuffix("/chat/events/orphan.json") == true)

        try folder.delete("chat/events/orphan.json")
        try folder.write("chat/README.md", "Notes are fine.")
        #expect(try HandlersFolder.load(from: folder.path).gateways.count == 1)
    }

    @Test func folderWithoutGatewayJSONIsReported() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("empty/connection.lua", "return 1")

        let error = loadError(folder)
        #expect(error?.code == .missingFile)
        #expect(error?.file.hasSuffix("/empty") == true)
    }

    @Test func duplicatePathsAcrossFoldersAreRefused() throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat2/gateway.json", #"{"path": "/chat"}"#)

        let error = loadError(folder)
        #expect(error?.code == .duplicatePath)
        #expect(error?.field == "path")
        #expect(error?.file.hasSuffix("/chat2/gateway.json") == true)
    }

    @Test func shippedHandlersFolderLoads() async throws {
        let handlers = URL(filePath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "handlers").path()

        let loaded = try HandlersFolder.load(from: handlers)

        let chat = try #require(loaded.gateways.first { $0.folderName == "chat" })
        #expect(chat.gateway.path == "/chat")
        #expect(chat.gateway.requireAuth == false)
        #expect(chat.gateway.connectionScript?.contains("welcome") == true)
        #expect(Set(chat.events.map(\.event.eventName)) == ["joinRoom", "leaveRoom", "message", "typing", "notify"])

        let store = try Stores.inMemory()
        let summary = try await loaded.sync(into: store, validate: FakeCompiler.validate)
        #expect(summary.gatewayCounts.created == loaded.gateways.count)
        #expect(try await store.gateway(path: "/chat")?.origin == .folder)
    }

    // MARK: recovery (issue 23)

    @Test func recoveryIsLoadedWithDefaultsForAbsentKeys() throws {
        let folder = try folder()
        defer { folder.remove() }
        #expect(try HandlersFolder.load(from: folder.path).gateways.first?.gateway.recovery == .disabled)

        try folder.write("chat/gateway.json", #"{"path": "/chat", "recovery": {"enabled": true, "maxDisconnectionMs": 30000}}"#)
        #expect(try HandlersFolder.load(from: folder.path).gateways.first?.gateway.recovery
            == GatewayRecovery(enabled: true, maxDisconnectionMs: 30_000, skipConnectionHandler: true))

        try folder.write("chat/gateway.json", #"{"path": "/chat", "recovery": {"skipConnectionHandler": false}}"#)
        #expect(try HandlersFolder.load(from: folder.path).gateways.first?.gateway.recovery
            == GatewayRecovery(enabled: false, maxDisconnectionMs: 120_000, skipConnectionHandler: false))
    }

    @Test(arguments: [
        (#"{"path": "/chat", "recovery": {"enabled": true, "maxDisconnectionMs": 999}}"#, "recovery.maxDisconnectionMs",
         HandlersFolderError.Code.invalidField, "must be an integer between 1000 and 86400000"),
        (#"{"path": "/chat", "recovery": {"maxDisconnectionMs": 86400001}}"#, "recovery.maxDisconnectionMs", .invalidField,
         "must be an integer between 1000 and 86400000"),
        (#"{"path": "/chat", "recovery": {"maxDisconnectionMs": "120000"}}"#, "recovery.maxDisconnectionMs", .invalidField,
         "must be an integer"),
        (#"{"path": "/chat", "recovery": {"maxDisconnectionMs": 1500.5}}"#, "recovery.maxDisconnectionMs", .invalidField,
         "must be an integer"),
        (#"{"path": "/chat", "recovery": {"enabled": "yes"}}"#, "recovery.enabled", .invalidField, "must be true or false"),
        (#"{"path": "/chat", "recovery": {"skipConnectionHandler": 1}}"#, "recovery.skipConnectionHandler", .invalidField,
         "must be true or false"),
        (#"{"path": "/chat", "recovery": {"enabled": true, "maxDisconnectMs": 5000}}"#, "recovery.maxDisconnectMs", .unknownKey,
         "is not a known key (known: enabled, maxDisconnectionMs, skipConnectionHandler)"),
        (#"{"path": "/chat", "recovery": true}"#, "recovery", .invalidField,
         "must be an object with enabled, maxDisconnectionMs, skipConnectionHandler"),
    ])
    func badRecoveryNamesFileAndField(json: String, field: String, code: HandlersFolderError.Code, message: String) throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", json)

        let error = loadError(folder)
        #expect(error?.code == code)
        #expect(error?.field == field)
        #expect(error?.message == message)
        #expect(error?.file.hasSuffix("/chat/gateway.json") == true)
        #expect(error?.description.hasSuffix("/chat/gateway.json: '\(field)' \(message)") == true)
    }

    /// `gateway.json` states the whole setting: sync stores it, an unchanged file changes nothing, and a key taken out
    /// of the file goes back to its default (it does not keep the stored value).
    @Test(arguments: Backend.all)
    func syncStoresRecoveryAndAKeyTakenOutGoesBackToItsDefault(backend: Backend) async throws {
        let folder = try folder()
        defer { folder.remove() }
        try folder.write("chat/gateway.json", #"{"path": "/chat", "recovery": {"enabled": true, "maxDisconnectionMs": 30000, "skipConnectionHandler": false}}"#)
        try await backend.withStore { store async throws in
            _ = try await HandlersFolder.sync(folder: folder.path, into: store, validate: FakeCompiler.validate)
            let first = try #require(try await store.gateway(path: "/chat"))
            #expect(first.recovery == GatewayRecovery(enabled: true, maxDisconnectionMs: 30_000, skipConnectionHandler: false))

            let again = try await HandlersFolder.sync(folder: folder.path, into: store, validate: FakeCompiler.validate)
            #expect(again.gatewayCounts.unchanged == 1)
            #expect(try await store.gateway(id: first.id) == first)

            try folder.write("chat/gateway.json", #"{"path": "/chat", "recovery": {"enabled": true}}"#)
            let edited = try await HandlersFolder.sync(folder: folder.path, into: store, validate: FakeCompiler.validate)
            #expect(edited.gatewayCounts.updated == 1)
            let second = try await store.gateway(id: first.id)
            #expect(second.recovery == GatewayRecovery(enabled: true, maxDisconnectionMs: 120_000, skipConnectionHandler: true))
            #expect(second.version > first.version)

            try folder.write("chat/gateway.json", #"{"path": "/chat"}"#)
            _ = try await HandlersFolder.sync(folder: folder.path, into: store, validate: FakeCompiler.validate)
            #expect(try await store.gateway(id: first.id).recovery == .disabled)
        }
    }
}
