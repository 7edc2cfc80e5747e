import JSONCore
import Testing

@testable import Persistence

/// Serialized: the tests share one store, and a test waiting for another's query would see its deadline pass
/// before it started rather than while it ran.
@Suite(.serialized) struct CollectionDeadlineTests {
    /// A filter no index can serve over a sort no index can serve: SQLite has to read every document.
    static let slowQuery: JSONValue = ["filter": ["body": ["_contains": "needle"]], "sort": "-body"]

    /// 20,000 items of about 1 KB each, built once (that takes seconds in a debug build); no test leaves a write.
    static let big = Result { try filled(ConfigStore.inMemory().collections) }

    static func filled(_ store: CollectionStore) throws -> CollectionStore {
        let filler = String(repeating: "lorem ipsum ", count: 80)
        try store.insert("big", (0..<20_000).map { ["body": .string("\($0) \(filler)")] })
        return store
    }

    static func soon() -> UInt64 { CollectionDeadline.now() + 2_000_000 }

    @Test func aPassedDeadlineFailsAtOnce() throws {
        let store = try ConfigStore.inMemory().collections
        let past = CollectionDeadline.now() - 1
        #expect(throws: CollectionError(.deadlineExceeded, "the deadline had passed before the operation started")) {
            try store.perform(request("count", "c", nil), deadline: past)
        }
        #expect(throws: CollectionError.deadlinePassed) {
            try store.perform(request("create", "c", ["data": [:]]), deadline: past)
        }
        #expect(throws: CollectionError.deadlinePassed) {
            try store.transaction(deadline: past) { _ in Issue.record("the body ran") }
        }
        #expect(try store.run("count", "c") == 0)
    }

    @Test func aQueryRunningPastItsDeadlineIsInterrupted() throws {
        let store = try Self.big.get()
        let error = #expect(throws: CollectionError.self) {
            try store.perform(request("find", "big", Self.slowQuery), deadline: Self.soon())
        }
        #expect(error?.code == .deadlineExceeded)
        // The handler is gone afterwards: the same query without a deadline, or with a far one, completes.
        #expect(try store.run("find", "big", Self.slowQuery) == ["data": [], "meta": ["total": 0]])
        let far = CollectionDeadline.now() + 60_000_000_000
        #expect(try store.perform(request("count", "big", nil), deadline: far).result == 20_000)
    }

    @Test func aTransactionRunningPastItsDeadlineLeavesNothing() throws {
        let store = try Self.big.get()
        let error = #expect(throws: CollectionError.self) {
            try store.transaction(deadline: Self.soon()) { session in
                _ = try session.perform(request("create", "big", ["data": ["id": "late"]]))
                _ = try session.perform(request("find", "big", Self.slowQuery))
            }
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(try store.run("findOne", "big", ["filter": ["id": "late"]]) == nil)
    }

    @Test func aBodyThatSwallowsTheDeadlineCannotCarryOn() throws {
        let store = try Self.big.get()
        #expect(throws: CollectionError.self) {
            try store.transaction(deadline: Self.soon()) { session in
                _ = try? session.perform(request("find", "big", Self.slowQuery))
                _ = try session.perform(request("create", "big", ["data": ["id": "after"]]))
            }
        }
        #expect(try store.run("findOne", "big", ["filter": ["id": "after"]]) == nil)
    }

    @Test func readersOfAFileDatabaseAreInterruptedToo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Self.filled(ConfigStore(path: directory.databasePath).collections)
        let error = #expect(throws: CollectionError.self) {
            try store.perform(request("find", "big", Self.slowQuery), deadline: Self.soon())
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(try store.run("count", "big") == 20_000)
    }
}
