import Foundation
import GRDB
import JSONCore
import Testing

@testable import Persistence

@Suite struct CollectionStoreTests {
    let store: SQLiteCollectionStore

    init() throws {
        store = try SQLiteConfigStore.inMemory().sqliteCollections
    }

    @Test func createdItemRoundTripsWithIdAndTimestamps() throws {
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

    @Test func givenIdsAreKeptAndIntegersBecomeStrings() throws {
        #expect(try store.run("create", "notes", ["data": ["id": "mine"]])?["id"] == "mine")
        #expect(try store.run("create", "notes", ["data": ["id": 42]])?["id"] == "42")
        #expect(try store.run("findOne", "notes", ["filter": ["id": 42]])?["id"] == "42")
        let forged = try store.run("create", "notes", ["data": ["createdAt": "1999", "updatedAt": "1999"]])
        #expect(forged?["createdAt"] != "1999")
        #expect(forged?["updatedAt"] != "1999")
    }

    @Test func creatingAnExistingIdIsAConflict() throws {
        _ = try store.run("create", "notes", ["data": ["id": "x", "v": 1]])
        let error = #expect(throws: CollectionError.self) { try store.run("create", "notes", ["data": ["id": "x", "v": 2]]) }
        #expect(error == CollectionError(.conflict, "notes already has an item with id \"x\""))
        #expect(try store.run("findOne", "notes", ["filter": ["id": "x"]])?["v"] == 1)
    }

    @Test(arguments: ["update", "replace", "delete"])
    func writingAMissingIdIsNotFound(action: String) throws {
        let arguments: JSONValue = action == "delete" ? ["id": "nope"] : ["id": "nope", "data": ["v": 1]]
        let error = #expect(throws: CollectionError.self) { try store.run(action, "notes", arguments) }
        #expect(error == CollectionError(.notFound, "notes has no item with id \"nope\""))
    }

    @Test func findOneOfNothingIsNil() throws {
        #expect(try store.run("findOne", "nothing-here") == nil)
        #expect(try store.run("find", "nothing-here") == ["data": [], "meta": ["total": 0]])
    }

    @Test func updateMergesTopLevelKeysAndReplaceSwapsTheWholeDocument() throws {
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

    @Test func deleteReturnsTheRowAndRemovesIt() throws {
        let create = try store.perform(request("create", "notes", ["data": ["id": "d", "v": 1]]), deadline: nil)
        #expect(create.change == CollectionChange(collection: "notes", method: .create, item: create.result ?? nil, previous: nil))
        let delete = try store.perform(request("delete", "notes", ["id": "d"]), deadline: nil)
        #expect(delete.result == create.result)
        #expect(delete.change == CollectionChange(collection: "notes", method: .delete, item: create.result ?? nil, previous: nil))
        #expect(try store.run("findOne", "notes", ["filter": ["id": "d"]]) == nil)
        #expect(try store.run("count", "notes") == 0)
    }

    @Test func readsGiveNoChange() throws {
        _ = try store.run("create", "notes", ["data": ["v": 1]])
        #expect(try store.perform(request("find", "notes", nil), deadline: nil).change == nil)
        #expect(try store.perform(request("count", "notes", nil), deadline: nil).change == nil)
    }

    @Test func documentsOverOneMebibyteAreRefused() throws {
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

    @Test func sortIsAscendingDescendingMultiAndTieBrokenById() throws {
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

    @Test func limitIsClampedAtOneThousandAndTotalCountsEverything() throws {
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

    @Test func fieldsKeepOnlyThosePathsAndTheId() throws {
        _ = try store.run("create", "people", ["data": ["id": "p", "title": "t", "user": ["name": "ann", "age": 3], "other": 1]])
        let page = try store.run("find", "people", ["fields": ["user.name", "title", "missing.path"]])
        #expect(page?["data"] == [["id": "p", "title": "t", "user": ["name": "ann"]]])
        let whole = try store.run("findOne", "people", ["fields": ["user.name", "user"]])
        #expect(whole == ["id": "p", "user": ["name": "ann", "age": 3]])
    }

    @Test func declaredIndexIsUsedByEqualityFilters() throws {
        try store.insert("tickets", (0..<50).map { ["status": $0 % 5 == 0 ? "open" : "closed", "user": ["name": .string("u\($0)")]] })
        try store.insert("others", [["status": "open"]])
        #expect(try store.declareIndexes(collection: "tickets", fields: ["status", "user.name"]) == ["status", "user.name"])
        #expect(try store.declareIndexes(collection: "tickets", fields: ["status", "priority"]) == ["priority", "status", "user.name"])

        let cases: [(JSONValue, String)] = [
            (["status": ["_eq": "open"]], "status"), (["user": ["name": "u3"]], "user.name"), (["priority": ["_null": true]], "priority"),
        ]
        for (filter, path) in cases {
            let index = CollectionSQL.indexName(try CollectionName("tickets"), try FieldPath(path, field: "test"))
            for action in ["find", "count"] {
                let plan = try queryPlan(action, "tickets", filter)
                #expect(plan.contains { $0.contains("INDEX \(index) ") }, "\(action) \(filter): \(plan)")
                #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(action) \(filter): \(plan)")
            }
            // Another collection's items are not in it.
            #expect(try queryPlan("find", "others", filter).allSatisfy { !$0.contains(index) })
        }
        #expect(try store.run("count", "tickets", ["filter": ["status": "open"]]) == 10)
        #expect(try store.run("count", "others", ["filter": ["status": "open"]]) == 1)
        #expect(try store.ids("tickets", ["filter": ["user.name": "u3"]]).count == 1)
    }

    /// The details of SQLite's plan for the statement `action` (find or count) runs with `filter`.
    private func queryPlan(_ action: String, _ collection: String, _ filter: JSONValue) throws -> [String] {
        let parsed = try request(action, collection, ["filter": filter])
        let sql = switch parsed.operation {
        case .find(let query): CollectionSQL.find(in: parsed.name, query)
        case .count(let filter): CollectionSQL.count(in: parsed.name, filter)
        default: throw CollectionError.badRequest("\(action) has no single query to plan")
        }
        return try store.database.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql.sql, arguments: sql.arguments).map { $0["detail"] as String }
        }
    }

    @Test func indexNamesAreSafeAndDistinct() throws {
        let first = CollectionSQL.indexName(try CollectionName("a-b"), try FieldPath("c", field: "test"))
        let second = CollectionSQL.indexName(try CollectionName("a_b"), try FieldPath("c", field: "test"))
        let third = CollectionSQL.indexName(try CollectionName("a"), try FieldPath("b.c", field: "test"))
        #expect(Set([first, second, third]).count == 3)
        for name in [first, second, third] {
            #expect(name.utf8.allSatisfy { $0.isASCIILetterOrUnderscore || $0.isASCIIDigit })
        }
        #expect(first == CollectionSQL.indexName(try CollectionName("a-b"), try FieldPath("c", field: "test")))
    }

    @Test func collectionsAreListedAndDroppedWithTheirItemsAndIndexes() throws {
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
        let indexes = try store.database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'collection_index_%'")
        }
        #expect(indexes.isEmpty)

        let error = #expect(throws: CollectionError.self) { try store.dropCollection("alpha") }
        #expect(error == CollectionError(.notFound, "there is no collection alpha"))
        // Writing again recreates it, empty.
        _ = try store.run("create", "alpha", ["data": ["v": 9]])
        #expect(try store.run("count", "alpha") == 1)
    }

    @Test func administrationRefusesBadNames() throws {
        #expect(throws: CollectionError.badRequest("collection: \"no way\" is not a valid collection name (a letter or _, then up to 63 letters, digits, _ or -)")) {
            try store.dropCollection("no way")
        }
        #expect(throws: CollectionError.badRequest("fields: \"a;DROP TABLE x\" is not a valid field path")) {
            try store.declareIndexes(collection: "ok", fields: ["a;DROP TABLE x"])
        }
        #expect(try store.listCollections().isEmpty)
    }

    // MARK: Transactions

    struct ScriptFailed: Error, Equatable {}

    @Test func transactionCommitsWhatItsBodyWrote() throws {
        let count = try store.transaction(deadline: nil) { session in
            _ = try session.perform(request("create", "t", ["data": ["id": "1"]]))
            _ = try session.perform(request("create", "t", ["data": ["id": "2"]]))
            return try session.perform(request("count", "t", nil)).result
        }
        #expect(count == 2)
        #expect(try store.ids("t", [:]) == ["1", "2"])
    }

    @Test func transactionRollsBackWhenTheBodyThrowsAndPassesItsErrorOn() throws {
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

    @Test func transactionWithoutCommitRollsBackButReturns() throws {
        let seen = try store.transaction(deadline: nil, commit: false) { session in
            _ = try session.perform(request("create", "t", ["data": ["id": "1"]]))
            return try session.perform(request("count", "t", nil)).result
        }
        #expect(seen == 1)
        #expect(try store.run("count", "t") == 0)
    }

    @Test func savepointsNestAndRollBackOnTheirOwn() throws {
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

    @Test func aTestRunRollsBackEvenWhatItsTransactionsCommitted() throws {
        try store.transaction(deadline: nil, commit: false) { run in
            try run.savepoint { transaction in
                _ = try transaction.perform(request("create", "t", ["data": ["id": "1"]]))
            }
            #expect(try run.perform(request("count", "t", nil)).result == 1)
        }
        #expect(try store.run("count", "t") == 0)
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
