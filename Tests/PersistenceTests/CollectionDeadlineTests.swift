import Foundation
import GRDB
import JSONCore
import Synchronization
import Testing

@testable import Persistence

/// Serialized: the tests share one store.
@Suite(.serialized) struct CollectionDeadlineTests {
    /// A `_contains` filter (SQL `instr`, held by ``DeadlineGate``) over a sort no index can serve.
    static let slowQuery: JSONValue = ["filter": ["body": ["_contains": "needle"]], "sort": "-body"]

    static let itemCount = 2_000

    /// 2,000 items built once; no test leaves a write.
    static let big = Result { try filled(gatedStore()) }

    static func filled(_ store: any CollectionStore) throws -> any CollectionStore {
        let filler = String(repeating: "lorem ipsum ", count: 80)
        try store.insert("big", (0..<itemCount).map { ["body": .string("\($0) \(filler)")] })
        return store
    }

    /// A collection store whose connections hold `instr` at ``DeadlineGate``: in memory, or in a file at `path`.
    static func gatedStore(path: String? = nil) throws -> any CollectionStore {
        var configuration = Configuration()
        configuration.prepareDatabase { db in db.add(function: DeadlineGate.instr) }
        let database: any DatabaseWriter = if let path {
            try DatabasePool(path: path, configuration: configuration)
        } else {
            try DatabaseQueue(configuration: configuration)
        }
        try Migration.migrator.migrate(database)
        return SQLiteCollectionStore(database: database)
    }

    /// A deadline 2 ms away, armed at the gate: the query that gets it is still running when it passes.
    static func soon() -> UInt64 {
        let deadline = CollectionDeadline.now() + 2_000_000
        DeadlineGate.deadline.store(deadline, ordering: .relaxed)
        return deadline
    }

    @Test func aPassedDeadlineFailsAtOnce() throws {
        let store = try Stores.inMemory().collections
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
        #expect(try store.perform(request("count", "big", nil), deadline: far).result == .int(Self.itemCount))
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
        let store = try Self.filled(Self.gatedStore(path: directory.databasePath))
        let error = #expect(throws: CollectionError.self) {
            try store.perform(request("find", "big", Self.slowQuery), deadline: Self.soon())
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(try store.run("count", "big") == .int(Self.itemCount))
    }
}

/// SQLite's `instr`, which `_contains` compiles to, redefined to wait until the deadline last armed here has passed:
/// a gate that keeps a filtering query running past its deadline, so the interrupt is certain rather than a race
/// between a scan and the clock. Once that deadline has passed it answers at once.
enum DeadlineGate {
    static let deadline = Atomic<UInt64>(0)

    static let instr = DatabaseFunction("instr", argumentCount: 2, pure: false) { values in
        let armed = deadline.load(ordering: .relaxed)
        for _ in 0..<100_000 where !CollectionDeadline.hasPassed(armed) {
            usleep(50)
        }
        guard let text = String.fromDatabaseValue(values[0]), let part = String.fromDatabaseValue(values[1]) else {
            return nil
        }
        guard let found = text.range(of: part) else { return 0 }
        return text.distance(from: text.startIndex, to: found.lowerBound) + 1
    }
}
