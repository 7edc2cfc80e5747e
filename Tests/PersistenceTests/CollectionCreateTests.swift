import Dispatch
import Foundation
import JSONCore
import PostgresNIO
import Synchronization
import Testing

@testable import Persistence

/// `create` makes its collection when it has to, whoever dropped it and whenever: nothing about which collections
/// exist is remembered from one statement to the next.
@Suite struct CollectionCreateTests {
    typealias ScriptFailed = CollectionStoreTests.ScriptFailed

    @Test(arguments: Backend.all)
    func aCollectionAnotherNodeDroppedIsMadeAgainByTheNextCreate(backend: Backend) async throws {
        try await backend.withDatabase { database async throws in
            let node = try database.open().collections
            let other = try database.open().collections
            _ = try node.run("create", "c", ["data": ["id": "1"]])
            try node.insert("c", [["id": "2"]])

            #expect(try other.dropCollection("c") == 2)
            _ = try node.run("create", "c", ["data": ["id": "3"]])
            #expect(try node.ids("c", [:]) == ["3"])

            #expect(try other.dropCollection("c") == 1)
            try node.insert("c", [["id": "4"], ["id": "5"]])
            #expect(try other.listCollections() == [CollectionSummary(name: "c", count: 2, indexes: [])])
            #expect(try other.ids("c", [:]) == ["4", "5"])
        }
    }

    @Test(arguments: Backend.all)
    func aCollectionMadeInARolledBackSavepointIsMadeAgain(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try store.transaction(deadline: nil) { session in
                #expect(throws: ScriptFailed()) {
                    try session.savepoint { inner in
                        _ = try inner.perform(request("create", "fresh", ["data": ["id": "undone"]]))
                        throw ScriptFailed()
                    }
                }
                _ = try session.perform(request("create", "fresh", ["data": ["id": "kept"]]))
                _ = try session.perform(request("create", "fresh", ["data": ["id": "also"]]))
            }
            #expect(try store.listCollections() == [CollectionSummary(name: "fresh", count: 2, indexes: [])])
            #expect(try store.ids("fresh", [:]) == ["also", "kept"])
        }
    }

    /// A create on its own is one statement outside any transaction on PostgreSQL: it still waits for the write lock
    /// another writer holds, until its deadline, and writes nothing before it has it.
    @Test(.enabled(if: Backend.all.contains(.postgres)))
    func aCreateOnItsOwnWaitsForTheWriteLock() async throws {
        try await Backend.postgres.withCollections { store async throws in
            let store = try #require(store as? PostgresCollectionStore)
            _ = try store.run("create", "t", ["data": ["id": "first"]])
            let created = Mutex<Result<JSONValue?, any Error>?>(nil)
            let done = DispatchSemaphore(value: 0)

            try Self.holdingTheWriteLock(store) {
                let error = #expect(throws: CollectionError.self) {
                    try store.perform(request("create", "t", ["data": ["id": "late"]]), deadline: SQLiteInstrGate.soon())
                }
                #expect(error?.code == .deadlineExceeded)

                DispatchQueue.global().async {
                    created.withLock { $0 = Result { try store.run("create", "t", ["data": ["id": "second"]]) } }
                    done.signal()
                }
                try Self.waitUntil("the create waits for the write lock") { try Self.writersWaiting(store) == 1 }
                #expect(try store.ids("t", [:]) == ["first"])
            }
            // The holder's transaction rolled back: the create goes on.
            #expect(done.wait(timeout: .now() + 60) == .success)
            #expect(try created.withLock { try $0?.get() }?["id"] == "second")
            #expect(try store.ids("t", [:]) == ["first", "second"])
        }
    }

    // MARK: Helpers

    /// Runs `body` while another connection holds the collections' write lock in a transaction, rolled back after.
    static func holdingTheWriteLock(_ store: PostgresCollectionStore, _ body: () throws -> Void) throws {
        try store.pool.withSession(deadline: nil) { holder in
            try holder.transaction(deadline: nil, commit: false) {
                try PostgresCollectionSession(session: holder, deadline: nil).lockForWriting()
                try holder.flush()
                try body()
            }
        }
    }

    /// How many connections wait for the write lock of the store's schema.
    static func writersWaiting(_ store: PostgresCollectionStore) throws -> Int {
        let waiting = try RawSQL.strings("""
            SELECT count(*)::text FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND classid = \(PostgresCollectionSession.lockKey)
              AND objid = hashtext(current_schema())::oid AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, on: store)
        return Int(waiting.first ?? "") ?? -1
    }

    /// Polls `condition` every 10 ms for at most 30 s.
    static func waitUntil(_ what: Comment, _ condition: () throws -> Bool) throws {
        for _ in 0..<3_000 {
            if try condition() { return }
            usleep(10_000)
        }
        Issue.record("gave up waiting: \(what)")
    }
}
