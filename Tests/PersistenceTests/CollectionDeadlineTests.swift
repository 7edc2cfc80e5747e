import Foundation
import GRDB
import JSONCore
import PostgresNIO
import Synchronization
import Testing

@testable import Persistence

/// Serialized: SQLite's gate is one process-wide function.
@Suite(.serialized) struct CollectionDeadlineTests {
    /// A `_contains` filter over a sort no index can serve.
    static let slowQuery: JSONValue = ["filter": ["body": ["_contains": "needle"]], "sort": "-body"]

    static let itemCount = 2_000

    static func filled(_ store: any CollectionStore) throws {
        let filler = String(repeating: "lorem ipsum ", count: 80)
        try store.insert("big", (0..<itemCount).map { ["body": .string("\($0) \(filler)")] })
    }

    @Test(arguments: Backend.all)
    func aPassedDeadlineFailsAtOnce(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
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
    }

    @Test(arguments: Backend.all)
    func aQueryRunningPastItsDeadlineIsInterrupted(backend: Backend) async throws {
        try await DeadlineGate.with(backend) { gate throws in
            let error = #expect(throws: CollectionError.self) {
                try gate.holding { try gate.store.perform(request("find", "big", Self.slowQuery), deadline: gate.soon()) }
            }
            #expect(error?.code == .deadlineExceeded)
            // The limit is gone afterwards: the same query without a deadline, or with a far one, completes.
            #expect(try gate.store.run("find", "big", Self.slowQuery) == ["data": [], "meta": ["total": 0]])
            let far = CollectionDeadline.now() + 60_000_000_000
            #expect(try gate.store.perform(request("count", "big", nil), deadline: far).result == .int(Self.itemCount))
        }
    }

    @Test(arguments: Backend.all)
    func aTransactionRunningPastItsDeadlineLeavesNothing(backend: Backend) async throws {
        try await DeadlineGate.with(backend) { gate throws in
            let error = #expect(throws: CollectionError.self) {
                try gate.holding {
                    try gate.store.transaction(deadline: gate.soon()) { session in
                        _ = try session.perform(request("create", "big", ["data": ["id": "late"]]))
                        _ = try session.perform(request("find", "big", Self.slowQuery))
                    }
                }
            }
            #expect(error?.code == .deadlineExceeded)
            #expect(try gate.store.run("findOne", "big", ["filter": ["id": "late"]]) == nil)
        }
    }

    @Test(arguments: Backend.all)
    func aBodyThatSwallowsTheDeadlineCannotCarryOn(backend: Backend) async throws {
        try await DeadlineGate.with(backend) { gate throws in
            #expect(throws: CollectionError.self) {
                try gate.holding {
                    try gate.store.transaction(deadline: gate.soon()) { session in
                        _ = try? session.perform(request("find", "big", Self.slowQuery))
                        _ = try session.perform(request("create", "big", ["data": ["id": "after"]]))
                    }
                }
            }
            #expect(try gate.store.run("findOne", "big", ["filter": ["id": "after"]]) == nil)
        }
    }

    @Test func readersOfAFileDatabaseAreInterruptedToo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteInstrGate.store(path: directory.databasePath)
        try Self.filled(store)
        let error = #expect(throws: CollectionError.self) {
            try store.perform(request("find", "big", Self.slowQuery), deadline: SQLiteInstrGate.soon())
        }
        #expect(error?.code == .deadlineExceeded)
        #expect(try store.run("count", "big") == .int(Self.itemCount))
    }
}

/// Holds collection statements until their deadline has certainly passed, so that the interrupt is certain rather
/// than a race between a query and the clock.
struct DeadlineGate {
    let store: any CollectionStore

    /// Runs `body` with a gate on a store of `backend` whose `big` collection is filled.
    static func with(_ backend: Backend, _ body: (DeadlineGate) throws -> Void) async throws {
        switch backend {
        case .sqlite:
            let store = try SQLiteInstrGate.store()
            try CollectionDeadlineTests.filled(store)
            try body(DeadlineGate(store: store))
        case .postgres:
            try await backend.withCollections { store async throws in
                try CollectionDeadlineTests.filled(store)
                try body(DeadlineGate(store: store))
            }
        }
    }

    /// A deadline 2 ms away.
    func soon() -> UInt64 {
        SQLiteInstrGate.soon()
    }

    /// Runs `work` while the gate holds: on SQLite, `instr` waits for the deadline (see ``SQLiteInstrGate``); on
    /// PostgreSQL, another connection holds an ACCESS EXCLUSIVE lock on `collection_items` that any statement on
    /// the items waits for, so it is still waiting when its `statement_timeout` fires.
    func holding<T>(_ work: () throws -> T) throws -> T {
        guard let store = store as? PostgresCollectionStore else { return try work() }
        return try store.pool.withSession(deadline: nil) { session in
            try session.transaction(deadline: nil, commit: false) {
                try session.execute("LOCK TABLE collection_items IN ACCESS EXCLUSIVE MODE")
                return try work()
            }
        }
    }
}

/// SQLite's `instr`, which `_contains` compiles to, redefined to wait until the deadline last armed here has passed:
/// a gate that keeps a filtering query running past its deadline. Once that deadline has passed it answers at once.
enum SQLiteInstrGate {
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

    /// A collection store whose connections hold `instr` at the gate: in memory, or in a file at `path`.
    static func store(path: String? = nil) throws -> SQLiteCollectionStore {
        var configuration = Configuration()
        configuration.prepareDatabase { db in db.add(function: instr) }
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
        self.deadline.store(deadline, ordering: .relaxed)
        return deadline
    }
}
