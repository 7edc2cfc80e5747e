import PostgresNIO
import Testing

@testable import Persistence

/// What a pooled PostgreSQL session keeps from one statement, call and borrower to the next.
@Suite(.enabled(if: Backend.all.contains(.postgres)))
struct PostgresSessionTests {
    /// A deadline becomes the connection's statement_timeout for the statements of its call only: the connection's
    /// next borrower without a deadline runs without one, whatever the call was (one statement on its own, a
    /// transaction).
    @Test func aDeadlineEndsWithItsCall() async throws {
        try await Backend.postgres.withCollections { store async throws in
            let store = try #require(store as? PostgresCollectionStore)
            func timeoutInForce() throws -> String? { try RawSQL.strings("SHOW statement_timeout", on: store).first }
            func far() -> UInt64 { CollectionDeadline.after(600_000_000_000) }

            _ = try store.perform(request("create", "t", ["data": ["id": "a"]]), deadline: far())
            #expect(try timeoutInForce() == "0")
            _ = try store.perform(request("findOne", "t", ["filter": ["id": "a"]]), deadline: far())
            #expect(try timeoutInForce() == "0")
            _ = try store.perform(request("find", "t", nil), deadline: far())
            #expect(try timeoutInForce() == "0")
            _ = try store.perform(request("update", "t", ["id": "a", "data": ["v": 1]]), deadline: far())
            #expect(try timeoutInForce() == "0")
            try store.transaction(deadline: far()) { session in
                _ = try session.perform(request("create", "t", ["data": ["id": "b"]]))
            }
            #expect(try timeoutInForce() == "0")
            #expect(try store.ids("t", [:]) == ["a", "b"])
        }
    }

    /// PostgreSQL answers COMMIT with ROLLBACK, not an error, when a statement of the transaction failed: a body that
    /// caught that statement's error and returned does not pass for committed.
    @Test func aTransactionAStatementFailedInIsNotCommitted() async throws {
        try await Backend.postgres.withCollections { store async throws in
            let store = try #require(store as? PostgresCollectionStore)
            _ = try store.run("create", "t", ["data": ["id": "kept"]])
            var caught: (any Error)?
            let error = #expect(throws: PostgresStorageError.self) {
                try store.pool.withSession(deadline: nil) { session in
                    try session.transaction(deadline: nil) {
                        try session.execute("DELETE FROM collection_items")
                        do { try session.execute("SELECT 1/0") } catch { caught = error }
                    }
                }
            }
            #expect((caught as? PostgresStorageError)?.sqlState == "22012")
            #expect(error?.sqlState == PostgresStorageError.inFailedTransaction)
            #expect(try store.ids("t", [:]) == ["kept"])
        }
    }

    /// Which statement_timeout may stand for a statement: never one that stops it more than 1 ms early, nor more
    /// than 1% (at least 1 ms) late; none only for none.
    @Test func aTimeoutInForceSuitsADeadlineWithinItsMargin() {
        #expect(PostgresSession.suits(0, 0))
        #expect(!PostgresSession.suits(0, 5))
        #expect(!PostgresSession.suits(5, 0))
        #expect(PostgresSession.suits(5, 5))
        #expect(PostgresSession.suits(4, 5))
        #expect(!PostgresSession.suits(3, 5))
        #expect(PostgresSession.suits(6, 5))
        #expect(!PostgresSession.suits(7, 5))
        #expect(PostgresSession.suits(5_050, 5_000))
        #expect(!PostgresSession.suits(5_051, 5_000))
        #expect(!PostgresSession.suits(4_998, 5_000))
    }
}
