import GRDB

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
        try CollectionError.converting({ CollectionError(database: $0, deadline: deadline) }) {
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
        }
    }

    func transaction<T>(deadline: UInt64?, commit: Bool, _ body: (any CollectionSession) throws -> T) throws -> T {
        try inTransaction(deadline: deadline, commit: commit, body)
    }

    /// `transaction` with the concrete session, so a single write (`perform`) does not box one.
    private func inTransaction<T>(deadline: UInt64?, commit: Bool, _ body: (SQLiteCollectionSession) throws -> T) throws -> T {
        try CallerError.sorting({ CollectionError(database: $0, deadline: deadline) }) {
            try database.writeWithoutTransaction { db in
                try CollectionDeadline.check(deadline)
                var result: T?
                try db.inTransaction(transactionKind) {
                    result = try CollectionDeadline.enforce(deadline, on: db) {
                        try CallerError.marking { try body(SQLiteCollectionSession(db: db, deadline: deadline, statements: statements)) }
                    }
                    return commit ? .commit : .rollback
                }
                guard let result else { preconditionFailure("inTransaction returned without running its body") }
                return result
            }
        }
    }

    // MARK: Administration

    func listCollections() throws(CollectionError) -> [CollectionSummary] {
        try access(write: false) { tables in try tables.listCollections() }
    }

    @discardableResult
    func dropCollection(_ name: String) throws(CollectionError) -> Int {
        let name = try CollectionName(name)
        return try access(write: true) { tables in try tables.dropCollection(name) }
    }

    @discardableResult
    func declareIndexes(collection: String, fields: [String]) throws(CollectionError) -> [String] {
        let name = try CollectionName(collection)
        var paths: [FieldPath] = []
        for field in fields { paths.append(try FieldPath(field, field: "fields")) }
        return try access(write: true) { tables in try tables.declareIndexes(name, paths) }
    }

    /// Runs an administrative `work` in its own transaction, without a deadline.
    private func access<T>(write: Bool, _ work: (SQLiteCollectionSession) throws -> T) throws(CollectionError) -> T {
        try CollectionError.converting({ CollectionError(database: $0, deadline: nil) }) {
            let session = { (db: Database) in try work(SQLiteCollectionSession(db: db, deadline: nil, statements: self.statements)) }
            return write ? try database.write(session) : try database.read(session)
        }
    }
}
