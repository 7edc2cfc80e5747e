import GRDB
import JSONCore

/// The collection store in SQLite, through GRDB: reads on a reader connection, writes on the writer, and the
/// deadline enforced by a progress handler (see `CollectionDeadline.enforce`).
final class SQLiteCollectionStore: CollectionStore {
    let database: any DatabaseWriter
    /// `.immediate` takes the write lock when a transaction opens; `.deferred` (test runs, on a connection of their
    /// own) only at its first write, so a test run that only reads holds no lock at all.
    let transactionKind: Database.TransactionKind
    let statements = CollectionStatementBudget()

    init(database: any DatabaseWriter, transactionKind: Database.TransactionKind = .immediate) {
        self.database = database
        self.transactionKind = transactionKind
    }

    func perform(_ request: CollectionRequest, deadline: UInt64?) throws(CollectionError) -> CollectionOutcome {
        do {
            if request.isWrite {
                return try inTransaction(deadline: deadline, commit: true) { session in try session.perform(request) }
            }
            let read = { (db: Database) in
                try CollectionDeadline.enforce(deadline, on: db) {
                    try SQLiteCollectionSession(db: db, deadline: deadline, statements: self.statements).perform(request)
                }
            }
            // One statement is atomic on its own; `find` (its page and its total) needs one snapshot.
            return try request.isSingleStatement ? database.unsafeRead(read) : database.read(read)
        } catch let error as CollectionError {
            throw error
        } catch {
            throw CollectionError(database: error, deadline: deadline)
        }
    }

    func transaction<T>(deadline: UInt64?, commit: Bool, _ body: (any CollectionSession) throws -> T) throws -> T {
        try inTransaction(deadline: deadline, commit: commit, body)
    }

    /// `transaction` with the concrete session, so a single write (`perform`) does not box one.
    private func inTransaction<T>(deadline: UInt64?, commit: Bool, _ body: (SQLiteCollectionSession) throws -> T) throws -> T {
        do {
            return try database.writeWithoutTransaction { db in
                try CollectionDeadline.check(deadline)
                var result: T?
                try db.inTransaction(transactionKind) {
                    result = try CollectionDeadline.enforce(deadline, on: db) {
                        do {
                            return try body(SQLiteCollectionSession(db: db, deadline: deadline, statements: statements))
                        } catch {
                            throw CallerError(error: error)
                        }
                    }
                    return commit ? .commit : .rollback
                }
                guard let result else { preconditionFailure("inTransaction returned without running its body") }
                return result
            }
        } catch let error as CallerError {
            throw error.error
        } catch let error as CollectionError {
            throw error
        } catch {
            throw CollectionError(database: error, deadline: deadline)
        }
    }

    // MARK: Administration

    func listCollections() throws(CollectionError) -> [CollectionSummary] {
        try access(write: false) { db in
            try Row.fetchAll(db, sql: CollectionSQL.listCollections).map { row in
                CollectionSummary(name: row["name"], count: row["count"], indexes: try Self.indexes(row["indexes"]))
            }
        }
    }

    @discardableResult
    func dropCollection(_ name: String) throws(CollectionError) -> Int {
        let name = try CollectionName(name)
        return try access(write: true) { db in
            guard let indexes = try String.fetchOne(db, sql: CollectionSQL.selectIndexes, arguments: [name.description]) else {
                throw CollectionError(.notFound, "there is no collection \(name)")
            }
            for path in try Self.indexes(indexes) {
                try db.execute(sql: CollectionSQL.dropIndex(name, try FieldPath(path, field: "indexes")))
            }
            let count = try Int.fetchOne(db, sql: CollectionSQL.countItems, arguments: [name.description]) ?? 0
            try db.execute(sql: CollectionSQL.deleteCollection, arguments: [name.description])
            return count
        }
    }

    @discardableResult
    func declareIndexes(collection: String, fields: [String]) throws(CollectionError) -> [String] {
        let name = try CollectionName(collection)
        var paths: [FieldPath] = []
        for field in fields { paths.append(try FieldPath(field, field: "fields")) }
        return try access(write: true) { db in
            try db.execute(sql: CollectionSQL.ensureCollection, arguments: [name.description])
            for path in paths { try db.execute(sql: CollectionSQL.createIndex(name, path)) }
            let declared = try Self.indexes(String.fetchOne(db, sql: CollectionSQL.selectIndexes, arguments: [name.description]) ?? "[]")
            let union = Array(Set(declared + paths.map(\.description))).sorted()
            let text = JSONValue.array(union.map(JSONValue.string)).serialized()
            try db.execute(sql: CollectionSQL.updateIndexes, arguments: [text, name.description])
            return union
        }
    }

    /// Runs an administrative `work` in its own transaction, without a deadline.
    private func access<T>(write: Bool, _ work: (Database) throws -> T) throws(CollectionError) -> T {
        do {
            return write ? try database.write(work) : try database.read(work)
        } catch let error as CollectionError {
            throw error
        } catch {
            throw CollectionError(database: error, deadline: nil)
        }
    }

    private static func indexes(_ text: String) throws(CollectionError) -> [String] {
        try CollectionDocument.decode(text).arrayValue?.compactMap(\.stringValue) ?? []
    }
}
