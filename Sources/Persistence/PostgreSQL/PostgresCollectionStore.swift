import PostgresNIO

/// The collection store in PostgreSQL: each call blocks its thread on a pooled connection (see `PostgresSession`),
/// PostgreSQL stops a statement at the deadline (`statement_timeout`), and writes hold the collections' write lock
/// (see `PostgresCollectionSession`).
final class PostgresCollectionStore: CollectionStore {
    /// A REPEATABLE READ snapshot for `find`, whose page and total must agree.
    static let snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    static let testRunSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ"

    let pool: PostgresConnectionPool
    /// False: a transaction takes the write lock when it opens. True (test runs): at its first write, so a test run
    /// that only reads holds no lock at all; it reads one snapshot, as SQLite's deferred transactions do, and a write
    /// that another writer's commit since then makes stale fails instead of overwriting it.
    let locksAtFirstWrite: Bool

    init(pool: PostgresConnectionPool, locksAtFirstWrite: Bool) {
        self.pool = pool
        self.locksAtFirstWrite = locksAtFirstWrite
    }

    func perform(_ request: CollectionRequest, deadline: UInt64?) throws(CollectionError) -> CollectionOutcome {
        try CollectionError.converting({ CollectionError(postgres: $0, deadline: deadline) }) {
            if request.isWrite {
                // A create is one statement, which takes the write lock itself (`createItem`): no transaction needed
                // (nor its COMMIT, which a statement's own transaction makes without its statement_timeout).
                if case .create = request.operation, !locksAtFirstWrite {
                    return try pool.withSession(deadline: deadline) { session in
                        try PostgresCollectionSession(session: session, deadline: deadline).perform(request)
                    }
                }
                // BEGIN and the write lock go with the request's first statement.
                return try inTransaction(deadline: deadline, commit: true, opensFirst: false) { tables in try tables.perform(request) }
            }
            return try pool.withSession(deadline: deadline) { session in
                let tables = PostgresCollectionSession(session: session, deadline: deadline)
                // One statement is atomic on its own.
                if request.isSingleStatement { return try tables.perform(request) }
                return try session.transaction(Self.snapshot, deadline: deadline) { try tables.perform(request) }
            }
        }
    }

    func transaction<T>(deadline: UInt64?, commit: Bool, _ body: (any CollectionSession) throws -> T) throws -> T {
        try inTransaction(deadline: deadline, commit: commit, opensFirst: true, body)
    }

    /// `transaction` with the concrete session, so a single write (`perform`) does not box one. `opensFirst`: the
    /// transaction is open, with the write lock (unless `locksAtFirstWrite`), before `body` runs, and failing to
    /// open it fails before; a caller's body must not run outside it. Otherwise BEGIN and the lock go with the
    /// body's first statement.
    private func inTransaction<T>(
        deadline: UInt64?, commit: Bool, opensFirst: Bool, _ body: (PostgresCollectionSession) throws -> T
    ) throws -> T {
        try CallerError.sorting({ CollectionError(postgres: $0, deadline: deadline) }) {
            try pool.withSession(deadline: deadline) { session in
                try session.transaction(locksAtFirstWrite ? Self.testRunSnapshot : "BEGIN", deadline: deadline, commit: commit) {
                    let tables = PostgresCollectionSession(session: session, deadline: deadline)
                    if !locksAtFirstWrite { try tables.lockForWriting() }
                    if opensFirst { try session.flush() }
                    return try CallerError.marking { try body(tables) }
                }
            }
        }
    }

    // MARK: Administration

    func listCollections() throws(CollectionError) -> [CollectionSummary] {
        try access { tables in try tables.listCollections() }
    }

    @discardableResult
    func dropCollection(_ name: String) throws(CollectionError) -> Int {
        let name = try CollectionName(name)
        return try access { tables in try tables.dropCollection(name) }
    }

    @discardableResult
    func declareIndexes(collection: String, fields: [String]) throws(CollectionError) -> [String] {
        let name = try CollectionName(collection)
        var paths: [FieldPath] = []
        for field in fields { paths.append(try FieldPath(field, field: "fields")) }
        return try access { tables in try tables.declareIndexes(name, paths) }
    }

    /// Runs an administrative `work` in its own transaction, without a deadline (writes take the write lock).
    private func access<T>(_ work: (PostgresCollectionSession) throws -> T) throws(CollectionError) -> T {
        try CollectionError.converting({ CollectionError(postgres: $0, deadline: nil) }) {
            try pool.withSession(deadline: nil) { session in
                try session.transaction(deadline: nil) { try work(PostgresCollectionSession(session: session, deadline: nil)) }
            }
        }
    }
}
