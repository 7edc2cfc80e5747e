import Foundation
import Testing

@testable import Persistence

@Suite struct HandlersSyncTests {
    private struct Fixture {
        let folder: TemporaryDirectory
        let store: any ConfigStore

        /// Runs `body` with a handlers folder of two gateways and a fresh store of `backend`; removes the folder after.
        static func with(_ backend: Backend, _ body: (Fixture) async throws -> Void) async throws {
            let folder = try TemporaryDirectory()
            defer { folder.remove() }
            try folder.write("chat/gateway.json", #"{"path": "/chat"}"#)
            try folder.write("chat/connection.lua", "SOCKET.reply('welcome')")
            try folder.write("chat/events/message.lua", "return BODY")
            try folder.write("chat/events/typing.lua", "return nil")
            try folder.write("admin/gateway.json", #"{"path": "/admin", "requireAuth": true}"#)
            try folder.write("admin/events/kick.lua", "SOCKET.disconnect()")
            try await backend.withStore { store in try await body(Fixture(folder: folder, store: store)) }
        }

        @discardableResult
        func sync() async throws -> SyncSummary {
            try await HandlersFolder.sync(folder: folder.path, into: store, validate: FakeCompiler.validate)
        }
    }

    @Test(arguments: Backend.all)
    func firstSyncCreatesEverything(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            let summary = try await fixture.sync()

            #expect(summary.gatewayCounts == SyncSummary.Counts(created: 2))
            #expect(summary.eventCounts == SyncSummary.Counts(created: 3))
            let snapshot = try await fixture.store.snapshot()
            #expect(snapshot.gateways.map(\.gateway.path) == ["/admin", "/chat"])
            #expect(snapshot.gateways.allSatisfy { $0.gateway.origin == .folder })
            #expect(snapshot.gateways.map(\.gateway.folderName) == ["admin", "chat"])
            #expect(snapshot.gateways[1].gateway.connectionScript == "SOCKET.reply('welcome')")
            #expect(snapshot.gateways[1].events.map(\.eventName) == ["message", "typing"])
        }
    }

    @Test(arguments: Backend.all)
    func syncStoresHooksAndCreatesDeclaredIndexes(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            try fixture.folder.write("chat/gateway.json", #"{"path": "/chat", "indexes": {"messages": ["roomId"]}}"#)
            try fixture.folder.write("chat/hooks/messages.lua", "return 1")

            try await fixture.sync()

            let chat = try #require(try await fixture.store.snapshot().gateways.first { $0.gateway.path == "/chat" })
            #expect(chat.gateway.hooks == ["messages": "return 1"])
            #expect(try fixture.store.collections.listCollections() == [CollectionSummary(name: "messages", count: 0, indexes: ["roomId"])])
            // A hook edit is a change of the gateway (its version moves, so the runtime reloads it).
            try fixture.folder.write("chat/hooks/messages.lua", "return 2")
            let summary = try await fixture.sync()
            #expect(summary.gatewayCounts.updated == 1)
        }
    }

    @Test(arguments: Backend.all)
    func syncingTheSameFolderAgainChangesNothing(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            try await fixture.sync()
            let before = try await fixture.store.snapshot()

            let summary = try await fixture.sync()

            #expect(!summary.changedAnything)
            #expect(summary.gatewayCounts == SyncSummary.Counts(unchanged: 2))
            #expect(summary.eventCounts == SyncSummary.Counts(unchanged: 3))
            #expect(try await fixture.store.snapshot() == before)
        }
    }

    @Test(arguments: Backend.all)
    func syncAppliesUpdatesAndDeletions(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            try await fixture.sync()
            let before = try await fixture.store.snapshot()
            let chatBefore = try #require(before.gateways.first { $0.gateway.path == "/chat" })

            try fixture.folder.write("chat/gateway.json", #"{"path": "/chat", "description": "rooms"}"#)
            try fixture.folder.delete("chat/connection.lua")
            try fixture.folder.write("chat/events/message.lua", "return { echo = BODY }")
            try fixture.folder.delete("chat/events/typing.lua")
            try fixture.folder.write("chat/events/joinRoom.lua", "SOCKET.join(BODY.room)")
            try fixture.folder.delete("admin")
            let summary = try await fixture.sync()

            #expect(summary.gatewayCounts == SyncSummary.Counts(updated: 1, deleted: 1))
            #expect(summary.eventCounts == SyncSummary.Counts(created: 1, updated: 1, deleted: 2))
            let after = try await fixture.store.snapshot()
            #expect(after.revision > before.revision)
            let chat = try #require(after.gateways.only)
            #expect(chat.gateway.id == chatBefore.gateway.id)
            #expect(chat.gateway.description == "rooms")
            #expect(chat.gateway.connectionScript == nil)
            #expect(chat.gateway.version > chatBefore.gateway.version)
            #expect(chat.events.map(\.eventName) == ["joinRoom", "message"])
            let message = try #require(chat.events.first { $0.eventName == "message" })
            let messageBefore = try #require(chatBefore.events.first { $0.eventName == "message" })
            #expect(message.script == "return { echo = BODY }")
            #expect(message.id == messageBefore.id)
            #expect(message.version == messageBefore.version + 1)
        }
    }

    @Test(arguments: Backend.all)
    func changingPathKeepsTheGatewayIdentity(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            try await fixture.sync()
            let before = try #require(try await fixture.store.gateway(path: "/chat"))

            try fixture.folder.write("chat/gateway.json", #"{"path": "/rooms"}"#)
            try await fixture.sync()

            #expect(try await fixture.store.gateway(path: "/rooms")?.id == before.id)
            #expect(try await fixture.store.gateway(path: "/chat") == nil)
        }
    }

    @Test(arguments: Backend.all)
    func renamingAFolderHandsItsPathToTheNewGateway(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            try await fixture.sync()

            try FileManager.default.moveItem(at: fixture.folder.url.appending(path: "chat"), to: fixture.folder.url.appending(path: "rooms"))
            let summary = try await fixture.sync()

            #expect(summary.gateways.map { "\($0.folderName) \($0.action)" } == ["chat deleted", "admin unchanged", "rooms created"])
            #expect(try await fixture.store.gateway(path: "/chat")?.folderName == "rooms")
        }
    }

    @Test(arguments: Backend.all)
    func apiGatewaysAreNeverTouched(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            let apiGateway = try await fixture.store.createGateway(GatewayDraft(path: "/api-made"))
            let apiEvent = try await fixture.store.createEvent(gatewayId: apiGateway.id, EventDraft(eventName: "ping", script: ""))
            let api = try await fixture.store.gateway(id: apiGateway.id)

            try await fixture.sync()
            try fixture.folder.delete("chat")
            try fixture.folder.delete("admin")
            let summary = try await fixture.sync()

            #expect(summary.gatewayCounts == SyncSummary.Counts(deleted: 2))
            #expect(try await fixture.store.gateways() == [api])
            #expect(try await fixture.store.events(gatewayId: api.id) == [apiEvent])
        }
    }

    @Test(arguments: Backend.all)
    func folderPathTakenByAnAPIGatewayStopsTheSync(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            let api = try await fixture.store.createGateway(GatewayDraft(path: "/chat"))
            let revision = try await fixture.store.revision()

            let error = await #expect(throws: HandlersFolderError.self) { try await fixture.sync() }

            #expect(error?.code == .pathTakenByAPIGateway)
            #expect(error?.field == "path")
            #expect(error?.file.hasSuffix("/chat/gateway.json") == true)
            #expect(try await fixture.store.gateways() == [api])
            #expect(try await fixture.store.revision() == revision)
        }
    }

    @Test(arguments: Backend.all)
    func aScriptThatDoesNotCompileStopsTheSyncWithFileAndLine(backend: Backend) async throws {
        try await Fixture.with(backend) { fixture async throws in
            try await fixture.sync()
            let before = try await fixture.store.snapshot()

            // A valid change that must not land, next to a script that does not compile.
            try fixture.folder.write("chat/events/message.lua", "return { changed = true }")
            try fixture.folder.write("chat/events/typing.lua", "local a = 1\nlocal b = !!\n")
            let error = await #expect(throws: HandlersFolderError.self) { try await fixture.sync() }

            #expect(error?.code == .scriptRejected)
            let typingFile = "\(fixture.folder.path)/chat/events/typing.lua"
            #expect(error?.file == typingFile)
            #expect(error?.line == 2)
            #expect(error?.description == "\(typingFile):2: unexpected symbol near '!'")
            #expect(error?.underlying is FakeCompileError)
            #expect(try await fixture.store.snapshot() == before)
        }
    }

    @Test(arguments: Backend.all)
    func anyValidatorErrorIsSurfacedWithTheFile(backend: Backend) async throws {
        struct Refused: Error {}
        try await Fixture.with(backend) { fixture async throws in

            let error = await #expect(throws: HandlersFolderError.self) {
                try await HandlersFolder.sync(folder: fixture.folder.path, into: fixture.store) { _, _ in throw Refused() }
            }

            #expect(error?.code == .scriptRejected)
            #expect(error?.line == nil)
            #expect(error?.description.hasPrefix("\(fixture.folder.path)/admin/events/kick.lua: ") == true)
            #expect(try await fixture.store.gateways().isEmpty)
        }
    }
}

extension Collection {
    /// The single element, or `nil` when there are none or several.
    fileprivate var only: Element? { count == 1 ? first : nil }
}
