import Foundation
import GRDB
import JSONCore
import PostgresNIO
import Testing

@testable import Persistence

@Suite struct CollectionStoreTests {
    @Test(arguments: Backend.all)
    func createdItemRoundTripsWithIdAndTimestamps(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            let created = try #require(try store.run("create", "notes", ["data": ["title": "hi", "tags": ["a", "b"], "meta": ["n": 1]]]))
            let id = try #require(created["id"]?.stringValue)
            #expect(id.count == 36 && id == id.lowercased())
            let createdAt = try #require(created["createdAt"]?.stringValue)
            #expect(createdAt.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/#) != nil)
            #expect(created["updatedAt"]?.stringValue == createdAt)
            #expect(created == ["id": .string(id), "title": "hi", "tags": ["a", "b"], "meta": ["n": 1], "createdAt": .string(createdAt), "updatedAt": .string(createdAt)])

            #expect(try store.run("findOne", "notes", ["filter": ["id": .string(id)]]) == created)
            #expect(try store.run("count", "notes") == 1)
            let page = try store.run("find", "notes")
            #expect(page == ["data": [created], "meta": ["total": 1]])
        }
    }

    @Test(arguments: Backend.all)
    func givenIdsAreKeptAndIntegersBecomeStrings(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            #expect(try store.run("create", "notes", ["data": ["id": "mine"]])?["id"] == "mine")
            #expect(try store.run("create", "notes", ["data": ["id": 42]])?["id"] == "42")
            #expect(try store.run("findOne", "notes", ["filter": ["id": 42]])?["id"] == "42")
            let forged = try store.run("create", "notes", ["data": ["createdAt": "1999", "updatedAt": "1999"]])
            #expect(forged?["createdAt"] != "1999")
            #expect(forged?["updatedAt"] != "1999")
        }
    }

    @Test(arguments: Backend.all)
    func creatingAnExistingIdIsAConflict(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            _ = try store.run("create", "notes", ["data": ["id": "x", "v": 1]])
            let error = #expect(throws: CollectionError.self) { try store.run("create", "notes", ["data": ["id": "x", "v": 2]]) }
            #expect(error == CollectionError(.conflict, "notes already has an item with id \"x\""))
            #expect(try store.run("findOne", "notes", ["filter": ["id": "x"]])?["v"] == 1)
        }
    }

    @Test(arguments: Backend.all, ["update", "replace", "delete"])
    func writingAMissingIdIsNotFound(backend: Backend, action: String) async throws {
        try await backend.withCollections { store async throws in
            let arguments: JSONValue = action == "delete" ? ["id": "nope"] : ["id": "nope", "data": ["v": 1]]
            let error = #expect(throws: CollectionError.self) { try store.run(action, "notes", arguments) }
            #expect(error == CollectionError(.notFound, "notes has no item with id \"nope\""))
        }
    }

    @Test(arguments: Backend.all)
    func findOneOfNothingIsNil(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            #expect(try store.run("findOne", "nothing-here") == nil)
            #expect(try store.run("find", "nothing-here") == ["data": [], "meta": ["total": 0]])
        }
    }

    @Test(arguments: Backend.all)
    func updateMergesTopLevelKeysAndReplaceSwapsTheWholeDocument(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            let created = try #require(try store.run("create", "notes", ["data": ["id": "n", "title": "t", "body": "b", "meta": ["a": 1, "b": 2]]]))

            let update = try store.perform(request("update", "notes", ["id": "n", "data": ["body": "B", "meta": ["a": 9], "gone": nil, "id": "other"]]), deadline: nil)
            let updated = try #require(update.result)
            #expect(updated["title"] == "t")
            #expect(updated["body"] == "B")
            #expect(updated["meta"] == ["a": 9])
            #expect(updated["gone"] == .null)
            #expect(updated["id"] == "n")
            #expect(updated["createdAt"] == created["createdAt"])
            #expect(try #require(updated["updatedAt"]?.stringValue) >= (created["createdAt"]?.stringValue ?? ""))
            #expect(update.change == CollectionChange(collection: "notes", method: .update, item: updated, previous: created))

            let replace = try store.perform(request("replace", "notes", ["id": "n", "data": ["only": true, "createdAt": "x"]]), deadline: nil)
            let replaced = try #require(replace.result)
            #expect(replaced == ["id": "n", "only": true, "createdAt": created["createdAt"] ?? nil, "updatedAt": replaced["updatedAt"] ?? nil])
            #expect(replace.change?.previous == updated)
            #expect(try store.run("findOne", "notes", ["filter": ["id": "n"]]) == replaced)
        }
    }

    @Test(arguments: Backend.all)
    func deleteReturnsTheRowAndRemovesIt(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            let create = try store.perform(request("create", "notes", ["data": ["id": "d", "v": 1]]), deadline: nil)
            #expect(create.change == CollectionChange(collection: "notes", method: .create, item: create.result ?? nil, previous: nil))
            let delete = try store.perform(request("delete", "notes", ["id": "d"]), deadline: nil)
            #expect(delete.result == create.result)
            #expect(delete.change == CollectionChange(collection: "notes", method: .delete, item: create.result ?? nil, previous: nil))
            #expect(try store.run("findOne", "notes", ["filter": ["id": "d"]]) == nil)
            #expect(try store.run("count", "notes") == 0)
        }
    }

    @Test(arguments: Backend.all)
    func readsGiveNoChange(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            _ = try store.run("create", "notes", ["data": ["v": 1]])
            #expect(try store.perform(request("find", "notes", nil), deadline: nil).change == nil)
            #expect(try store.perform(request("count", "notes", nil), deadline: nil).change == nil)
        }
    }

    @Test(arguments: Backend.all)
    func documentsOverOneMebibyteAreRefused(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            // `{"blob":"…","createdAt":"…","id":"big","updatedAt":"…"}` is 100 bytes around the blob.
            let big = String(repeating: "a", count: CollectionLimits.maxDocumentBytes)
            #expect(throws: CollectionError(.payloadTooLarge, "the document is \(big.utf8.count + 100) bytes encoded, more than the 1048576 allowed")) {
                try store.run("create", "notes", ["data": ["id": "big", "blob": .string(big)]])
            }
            // Just under the limit is fine, and growing past it by an update is refused too.
            let fits = String(repeating: "a", count: CollectionLimits.maxDocumentBytes - 200)
            _ = try store.run("create", "notes", ["data": ["id": "f", "blob": .string(fits)]])
            let grown = #expect(throws: CollectionError.self) { try store.run("update", "notes", ["id": "f", "data": ["more": .string(String(repeating: "b", count: 300))]]) }
            #expect(grown?.code == .payloadTooLarge)
        }
    }

    @Test(arguments: Backend.all)
    func findResultsOverSixteenMebibytesAreRefused(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            let blob = String(repeating: "a", count: CollectionLimits.maxDocumentBytes - 200)
            try store.insert("large", (0..<17).map { _ in ["blob": .string(blob)] })
            let message = "the result is larger than 16777216 bytes of JSON; ask for fewer rows (limit) or fields"
            #expect(throws: CollectionError(.payloadTooLarge, message)) { try store.run("find", "large") }
            // The store goes on serving, on the connection that stopped reading too.
            #expect(try store.run("count", "large") == 17)
            #expect(try store.run("find", "large", ["limit": 16, "fields": ["id"]])?["meta"] == ["total": 17])
        }
    }

    @Test(arguments: Backend.all)
    func sortIsAscendingDescendingMultiAndTieBrokenById(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try store.insert("people", [
                ["id": "d", "rank": 2, "name": "x"],
                ["id": "b", "rank": 1, "name": "y"],
                ["id": "a", "rank": 2, "name": "y"],
                ["id": "c", "rank": 1, "name": "x"],
            ])
            #expect(try store.ids("people", ["sort": "rank"]) == ["b", "c", "a", "d"])
            #expect(try store.ids("people", ["sort": "-rank"]) == ["a", "d", "b", "c"])
            #expect(try store.ids("people", ["sort": ["rank", "name"]]) == ["c", "b", "d", "a"])
            #expect(try store.ids("people", ["sort": ["-name", "-rank"]]) == ["a", "b", "d", "c"])
            #expect(try store.ids("people", ["sort": "-id"]) == ["d", "c", "b", "a"])
            #expect(try store.ids("people", [:]) == ["a", "b", "c", "d"])
            #expect(try store.ids("people", ["sort": ["createdAt"]]).count == 4)
        }
    }

    @Test(arguments: Backend.all)
    func limitIsClampedAtOneThousandAndTotalCountsEverything(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try store.insert("many", (0..<1005).map { ["id": .string(String(format: "%04d", $0)), "even": .bool($0 % 2 == 0)] })
            let all = try #require(try store.run("find", "many", ["limit": 5000]))
            #expect(all["data"]?.arrayValue?.count == 1000)
            #expect(all["meta"] == ["total": 1005])
            #expect(try store.run("find", "many")?["data"]?.arrayValue?.count == 1000)

            let tail = try #require(try store.run("find", "many", ["offset": 1000]))
            #expect(tail["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["1000", "1001", "1002", "1003", "1004"])
            #expect(tail["meta"] == ["total": 1005])

            let page = try #require(try store.run("find", "many", ["filter": ["even": true], "limit": 2, "offset": 1]))
            #expect(page["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["0002", "0004"])
            #expect(page["meta"] == ["total": 503])
            #expect(try store.run("count", "many", ["filter": ["even": false]]) == 502)
        }
    }

    @Test(arguments: Backend.all)
    func fieldsKeepOnlyThosePathsAndTheId(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            _ = try store.run("create", "people", ["data": ["id": "p", "title": "t", "user": ["name": "ann", "age": 3], "other": 1]])
            let page = try store.run("find", "people", ["fields": ["user.name", "title", "missing.path"]])
            #expect(page?["data"] == [["id": "p", "title": "t", "user": ["name": "ann"]]])
            let whole = try store.run("findOne", "people", ["fields": ["user.name", "user"]])
            #expect(whole == ["id": "p", "user": ["name": "ann", "age": 3]])
        }
    }

    /// Two collections, `tickets` with declared indexes on `status`, `user.name` and `priority`, and `others` without.
    private static func ticketsWithIndexes(_ store: any CollectionStore) throws {
        try store.insert("tickets", (0..<50).map { ["status": $0 % 5 == 0 ? "open" : "closed", "user": ["name": .string("u\($0)")]] })
        try store.insert("others", [["status": "open"]])
        #expect(try store.declareIndexes(collection: "tickets", fields: ["status", "user.name"]) == ["status", "user.name"])
        #expect(try store.declareIndexes(collection: "tickets", fields: ["status", "priority"]) == ["priority", "status", "user.name"])
    }

    /// Filters each declared index of `ticketsWithIndexes` serves, with its path.
    private static let indexedFilters: [(JSONValue, String)] = [
        (["status": ["_eq": "open"]], "status"), (["user": ["name": "u3"]], "user.name"), (["priority": ["_null": true]], "priority"),
    ]

    @Test func declaredIndexIsUsedByEqualityFilters() throws {
        let store = try SQLiteConfigStore.inMemory().sqliteCollections
        try Self.ticketsWithIndexes(store)
        for (filter, path) in Self.indexedFilters {
            let index = CollectionStatements<SQLiteCollectionSQL>.indexName(try CollectionName("tickets"), try FieldPath(path, field: "test"))
            for action in ["find", "count"] {
                let plan = try sqlitePlan(store, action, "tickets", filter)
                #expect(plan.contains { $0.contains("INDEX \(index) ") }, "\(action) \(filter): \(plan)")
                #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(action) \(filter): \(plan)")
            }
            // Another collection's items are not in it.
            #expect(try sqlitePlan(store, "find", "others", filter).allSatisfy { !$0.contains(index) })
        }
        #expect(try store.run("count", "tickets", ["filter": ["status": "open"]]) == 10)
        #expect(try store.run("count", "others", ["filter": ["status": "open"]]) == 1)
        #expect(try store.ids("tickets", ["filter": ["user.name": "u3"]]).count == 1)
    }

    /// PostgreSQL can serve the same filters from the declared indexes: with sequential scans off, its plans use them
    /// (whether it prefers them to a scan is its cost model's business, and depends on the data).
    @Test(.enabled(if: Backend.all.contains(.postgres)))
    func declaredIndexServesEqualityFiltersOnPostgreSQL() async throws {
        try await Backend.postgres.withCollections { store async throws in
            let store = try #require(store as? PostgresCollectionStore)
            try Self.ticketsWithIndexes(store)
            for (filter, path) in Self.indexedFilters {
                let index = CollectionStatements<PostgresCollectionSQL>.indexName(try CollectionName("tickets"), try FieldPath(path, field: "test"))
                for action in ["find", "count"] {
                    let plan = try postgresPlan(store, action, "tickets", filter)
                    #expect(plan.contains(" \(index) "), "\(action) \(filter): \(plan)")
                }
                #expect(!(try postgresPlan(store, "find", "others", filter)).contains(index))
            }
            #expect(try store.run("count", "tickets", ["filter": ["status": "open"]]) == 10)
            #expect(try store.ids("tickets", ["filter": ["user.name": "u3"]]).count == 1)
        }
    }

    /// The statement `action` (find or count) runs with `filter`, in `Dialect`.
    private func statement<Dialect: CollectionDialect>(_: Dialect.Type, _ action: String, _ collection: String, _ filter: JSONValue) throws -> SQLFragment {
        let parsed = try request(action, collection, ["filter": filter])
        switch parsed.operation {
        case .find(let query): return CollectionStatements<Dialect>.find(in: parsed.name, query)
        case .count(let filter): return CollectionStatements<Dialect>.count(in: parsed.name, filter)
        default: throw CollectionError.badRequest("\(action) has no single query to plan")
        }
    }

    /// The details of SQLite's plan for the statement `action` runs with `filter`.
    private func sqlitePlan(_ store: SQLiteCollectionStore, _ action: String, _ collection: String, _ filter: JSONValue) throws -> [String] {
        let sql = try statement(SQLiteCollectionSQL.self, action, collection, filter)
        return try store.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql.sql, arguments: sql.arguments).map { $0["detail"] as String }
        }
    }

    /// PostgreSQL's plan for the statement `action` runs with `filter`, sequential scans off.
    private func postgresPlan(_ store: PostgresCollectionStore, _ action: String, _ collection: String, _ filter: JSONValue) throws -> String {
        let query = try statement(PostgresCollectionSQL.self, action, collection, filter).postgres
        return try store.pool.withSession(deadline: nil) { session in
            try session.transaction(deadline: nil, commit: false) {
                try session.execute("SET LOCAL enable_seqscan = off")
                let rows = try session.query(PostgresQuery(unsafeSQL: "EXPLAIN " + query.sql, binds: query.binds)).rows
                return try rows.map { try $0.decode(String.self) }.joined(separator: "\n")
            }
        }
    }

    @Test func indexNamesAreSafeAndDistinct() throws {
        func names<Dialect: CollectionDialect>(_: Dialect.Type) throws -> [String] {
            let long = String(repeating: "x", count: 60)
            return [
                CollectionStatements<Dialect>.indexName(try CollectionName("a-b"), try FieldPath("c", field: "test")),
                CollectionStatements<Dialect>.indexName(try CollectionName("a_b"), try FieldPath("c", field: "test")),
                CollectionStatements<Dialect>.indexName(try CollectionName("a"), try FieldPath("b.c", field: "test")),
                CollectionStatements<Dialect>.indexName(try CollectionName(long), try FieldPath("\(long).a", field: "test")),
                CollectionStatements<Dialect>.indexName(try CollectionName(long), try FieldPath("\(long).b", field: "test")),
            ]
        }
        for dialectNames in [try names(SQLiteCollectionSQL.self), try names(PostgresCollectionSQL.self)] {
            #expect(Set(dialectNames).count == dialectNames.count)
            for name in dialectNames {
                #expect(name.utf8.allSatisfy { $0.isASCIILetterOrUnderscore || $0.isASCIIDigit })
            }
        }
        // PostgreSQL cuts identifiers at 63 bytes: its names fit, keeping what tells them apart.
        #expect(try names(PostgresCollectionSQL.self).allSatisfy { $0.utf8.count <= 63 })
        // SQLite's are whole, as databases made before PostgreSQL existed have them.
        #expect(try names(SQLiteCollectionSQL.self)[0].hasPrefix("collection_index_a_b__c_"))
        #expect(try names(SQLiteCollectionSQL.self)[3].contains(String(repeating: "x", count: 60) + "_a_"))
        #expect(try names(SQLiteCollectionSQL.self) == names(SQLiteCollectionSQL.self))
    }

    @Test(arguments: Backend.all)
    func collectionsAreListedAndDroppedWithTheirItemsAndIndexes(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try store.insert("alpha", [["v": 1], ["v": 2]])
            try store.insert("beta", [["v": 3]])
            try store.declareIndexes(collection: "gamma", fields: ["v"])
            #expect(try store.listCollections() == [
                CollectionSummary(name: "alpha", count: 2, indexes: []),
                CollectionSummary(name: "beta", count: 1, indexes: []),
                CollectionSummary(name: "gamma", count: 0, indexes: ["v"]),
            ])

            #expect(try store.dropCollection("alpha") == 2)
            #expect(try store.run("count", "alpha") == 0)
            #expect(try store.dropCollection("gamma") == 0)
            #expect(try store.listCollections().map(\.name) == ["beta"])
            #expect(try RawSQL.strings(backend.declaredIndexNames, on: store).isEmpty)

            let error = #expect(throws: CollectionError.self) { try store.dropCollection("alpha") }
            #expect(error == CollectionError(.notFound, "there is no collection alpha"))
            // Writing again recreates it, empty.
            _ = try store.run("create", "alpha", ["data": ["v": 9]])
            #expect(try store.run("count", "alpha") == 1)
        }
    }

    @Test(arguments: Backend.all)
    func administrationRefusesBadNames(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            #expect(throws: CollectionError.badRequest("collection: \"no way\" is not a valid collection name (a letter or _, then up to 63 letters, digits, _ or -)")) {
                try store.dropCollection("no way")
            }
            #expect(throws: CollectionError.badRequest("fields: \"a;DROP TABLE x\" is not a valid field path")) {
                try store.declareIndexes(collection: "ok", fields: ["a;DROP TABLE x"])
            }
            #expect(try store.listCollections().isEmpty)
        }
    }

    // MARK: Transactions

    struct ScriptFailed: Error, Equatable {}

    @Test(arguments: Backend.all)
    func transactionCommitsWhatItsBodyWrote(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            let count = try store.transaction(deadline: nil) { session in
                _ = try session.perform(request("create", "t", ["data": ["id": "1"]]))
                _ = try session.perform(request("create", "t", ["data": ["id": "2"]]))
                return try session.perform(request("count", "t", nil)).result
            }
            #expect(count == 2)
            #expect(try store.ids("t", [:]) == ["1", "2"])
        }
    }

    @Test(arguments: Backend.all)
    func transactionRollsBackWhenTheBodyThrowsAndPassesItsErrorOn(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            _ = try store.run("create", "t", ["data": ["id": "kept"]])
            #expect(throws: ScriptFailed()) {
                try store.transaction(deadline: nil) { session in
                    _ = try session.perform(request("create", "t", ["data": ["id": "1"]]))
                    _ = try session.perform(request("delete", "t", ["id": "kept"]))
                    throw ScriptFailed()
                }
            }
            #expect(try store.ids("t", [:]) == ["kept"])

            // A refused operation is the body's error too: it comes out as it was and undoes the earlier writes.
            #expect(throws: CollectionError(.conflict, "t already has an item with id \"kept\"")) {
                try store.transaction(deadline: nil) { session in
                    _ = try session.perform(request("create", "t", ["data": ["id": "2"]]))
                    _ = try session.perform(request("create", "t", ["data": ["id": "kept"]]))
                }
            }
            #expect(try store.ids("t", [:]) == ["kept"])
        }
    }

    /// A script may catch a refused call inside `DB.transaction` (`pcall`) and carry on.
    @Test(arguments: Backend.all)
    func aRefusedCallLeavesTheTransactionUsable(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try store.transaction(deadline: nil) { session in
                _ = try session.perform(request("create", "t", ["data": ["id": "x"]]))
                #expect(throws: CollectionError(.conflict, "t already has an item with id \"x\"")) {
                    try session.perform(request("create", "t", ["data": ["id": "x"]]))
                }
                #expect(throws: CollectionError(.notFound, "t has no item with id \"nope\"")) {
                    try session.perform(request("update", "t", ["id": "nope", "data": [:]]))
                }
                _ = try session.perform(request("create", "t", ["data": ["id": "y"]]))
                _ = try session.perform(request("update", "t", ["id": "x", "data": ["v": 1]]))
            }
            #expect(try store.ids("t", [:]) == ["x", "y"])
            #expect(try store.run("findOne", "t", ["filter": ["id": "x"]])?["v"] == 1)
        }
    }

    @Test(arguments: Backend.all)
    func transactionWithoutCommitRollsBackButReturns(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            let seen = try store.transaction(deadline: nil, commit: false) { session in
                _ = try session.perform(request("create", "t", ["data": ["id": "1"]]))
                return try session.perform(request("count", "t", nil)).result
            }
            #expect(seen == 1)
            #expect(try store.run("count", "t") == 0)
        }
    }

    @Test(arguments: Backend.all)
    func savepointsNestAndRollBackOnTheirOwn(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try store.transaction(deadline: nil) { session in
                _ = try session.perform(request("create", "t", ["data": ["id": "outer"]]))
                #expect(throws: ScriptFailed()) {
                    try session.savepoint { inner in
                        _ = try inner.perform(request("create", "t", ["data": ["id": "undone"]]))
                        throw ScriptFailed()
                    }
                }
                try session.savepoint { inner in
                    _ = try inner.perform(request("create", "t", ["data": ["id": "kept"]]))
                    #expect(throws: ScriptFailed()) {
                        try inner.savepoint { innermost in
                            _ = try innermost.perform(request("delete", "t", ["id": "outer"]))
                            throw ScriptFailed()
                        }
                    }
                }
                #expect(try session.perform(request("count", "t", nil)).result == 2)
            }
            #expect(try store.ids("t", [:]) == ["kept", "outer"])
        }
    }

    @Test(arguments: Backend.all)
    func aTestRunRollsBackEvenWhatItsTransactionsCommitted(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try store.transaction(deadline: nil, commit: false) { run in
                try run.savepoint { transaction in
                    _ = try transaction.perform(request("create", "t", ["data": ["id": "1"]]))
                }
                #expect(try run.perform(request("count", "t", nil)).result == 1)
            }
            #expect(try store.run("count", "t") == 0)
        }
    }

    @Test func aFileDatabaseReadsOnReaderConnections() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteConfigStore(path: directory.databasePath).sqliteCollections
        #expect(store.database is DatabasePool)
        try store.insert("files", [["id": "a", "n": 1], ["id": "b", "n": 2]])
        #expect(try store.ids("files", ["filter": ["n": ["_gte": 2]]]) == ["b"])
        let reopened = try SQLiteConfigStore(path: directory.databasePath).sqliteCollections
        #expect(try reopened.run("count", "files") == 2)
    }
}

func request(_ action: String, _ collection: String, _ arguments: JSONValue) throws(CollectionError) -> CollectionRequest {
    try CollectionRequest(action: action, collection: collection, arguments: arguments)
}

extension CollectionStore {
    /// One operation's JSON result, without a deadline.
    func run(_ action: String, _ collection: String, _ arguments: JSONValue = nil) throws(CollectionError) -> JSONValue? {
        try perform(request(action, collection, arguments), deadline: nil).result
    }

    /// Creates `documents` in one transaction.
    func insert(_ collection: String, _ documents: [JSONValue]) throws {
        try transaction(deadline: nil) { session in
            for document in documents {
                _ = try session.perform(request("create", collection, ["data": document]))
            }
        }
    }

    /// The ids `find` returns for `arguments`, in order.
    func ids(_ collection: String, _ arguments: JSONValue) throws -> [String] {
        try run("find", collection, arguments)?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }
}
