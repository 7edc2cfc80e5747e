import PostgresNIO
import Synchronization

/// The collection tables on the pooled connection `PostgresCollectionStore` lent, inside its transaction (or for one
/// statement on its own: a read, or a create).
///
/// Writers take the collections' write lock (a transaction-level advisory lock on the schema) before writing, so
/// write transactions run one at a time as on SQLite, and what a transaction read before its writes cannot change
/// under it: `update`'s read-merge-write and `DB.transaction`'s read-then-write mean the same on both backends.
struct PostgresCollectionSession: CollectionSession, CollectionTables {
    typealias Dialect = PostgresCollectionSQL
    private typealias SQL = CollectionStatements<PostgresCollectionSQL>

    /// The write lock's two keys: this constant, and the schema's name hashed.
    static let lockKey: Int32 = 0x6777_6463
    /// The expression that takes the write lock.
    static let writeLock = "pg_advisory_xact_lock(\(lockKey), hashtext(current_schema()))"

    let session: PostgresSession
    let deadline: UInt64?

    func collectionError(_ error: any Error) -> CollectionError {
        CollectionError(postgres: error, deadline: deadline)
    }

    /// Takes the write lock unless this transaction holds it already: sent with the next statement waited for.
    func lockForWriting() throws {
        try session.lockOnce(PostgresQuery(unsafeSQL: "SELECT \(Self.writeLock)"), deadline: deadline)
    }

    func savepoint<T>(_ body: (any CollectionSession) throws -> T) throws -> T {
        try CallerError.sorting(collectionError) {
            try session.savepoint(deadline: deadline) { try CallerError.marking { try body(self) } }
        }
    }

    // MARK: Tables

    func forEachDocument(_ query: SQLFragment, _ body: (String) throws -> Void) throws {
        // Rows arrive on an event loop: gathered there, within the result limit, then handed over on this thread.
        let gathered = GatheredDocuments()
        try session.forEachRow(query.postgres, deadline: deadline) { row in try gathered.append(try row.decode(String.self)) }
        for text in gathered.texts { try body(text) }
    }

    func count(_ query: SQLFragment) throws -> Int {
        try session.query(query.postgres, deadline: deadline).rows.first?.decode(Int.self) ?? 0
    }

    func ensureCollection(_ name: CollectionName) throws {
        try lockForWriting()
        try session.query(PostgresQuery(unsafeSQL: SQL.ensureCollection, binds: binds(name.description)), deadline: deadline)
    }

    /// One statement: the collection's row is inserted unless it exists (what `ensureCollection` does) by the same
    /// statement as the item, whose foreign key is checked at the statement's end, when that row is there. So a
    /// collection dropped since (by this node or another) is made again, as on SQLite, with nothing remembered
    /// between transactions. Within one, once an item is in, the foreign key's check holds the collection's row
    /// (FOR KEY SHARE) until the transaction ends: nobody can delete it, and later creates there insert the item
    /// alone. Outside a transaction (a single create, see `PostgresCollectionStore.perform`) the statement is one on
    /// its own, and takes the write lock itself before it writes.
    func createItem(_ name: CollectionName, _ document: CollectionDocument) throws -> Bool {
        let values = binds(name.description, document.id, document.encoded, document.createdAt, document.updatedAt)
        guard session.inTransaction else {
            return try session.query(PostgresQuery(unsafeSQL: Self.createItemLocking, binds: values), deadline: deadline).metadata.rows ?? 0 > 0
        }
        try lockForWriting()
        let row = "the row of collection \(name)"
        let statement = session.holds(row) ? SQL.insertItem : Self.createItem
        let inserted = try session.query(PostgresQuery(unsafeSQL: statement, binds: values), deadline: deadline).metadata.rows ?? 0 > 0
        if inserted { session.noteHeld(row) }
        return inserted
    }

    /// `insertItem` after `ensureCollection`'s insert, as a data-modifying WITH.
    static let createItem = "WITH ensured AS (\(SQL.ensureCollection)) \(SQL.insertItem)"

    /// `createItem` taking the write lock first: both inserts read their row from the lock's CTE, which runs once,
    /// before either (the lock is held until the statement's own transaction ends).
    static let createItemLocking = """
        WITH write_lock AS (SELECT \(writeLock)), \
        ensured AS (INSERT INTO collections (name) SELECT $1 FROM write_lock ON CONFLICT (name) DO NOTHING) \
        INSERT INTO collection_items (collection, id, data, created_at, updated_at) \
        SELECT $1, $2, $3, $4, $5 FROM write_lock ON CONFLICT (collection, id) DO NOTHING
        """

    func insertItem(_ name: CollectionName, _ document: CollectionDocument) throws -> Bool {
        try lockForWriting()
        let values = binds(name.description, document.id, document.encoded, document.createdAt, document.updatedAt)
        return try session.query(PostgresQuery(unsafeSQL: SQL.insertItem, binds: values), deadline: deadline).metadata.rows ?? 0 > 0
    }

    /// Read to be written: under the write lock.
    func storedItem(_ name: CollectionName, id: String) throws -> (text: String, createdAt: String)? {
        try lockForWriting()
        let query = PostgresQuery(unsafeSQL: SQL.selectItem, binds: binds(name.description, id))
        return try session.query(query, deadline: deadline).rows.first?.decode((String, String).self)
    }

    func updateItem(_ name: CollectionName, _ document: CollectionDocument) throws {
        try lockForWriting()
        let values = binds(document.encoded, document.updatedAt, name.description, document.id)
        try session.query(PostgresQuery(unsafeSQL: SQL.updateItem, binds: values), deadline: deadline)
    }

    func deleteItem(_ name: CollectionName, id: String) throws {
        try lockForWriting()
        try session.query(PostgresQuery(unsafeSQL: SQL.deleteItem, binds: binds(name.description, id)), deadline: deadline)
    }

    // MARK: Administration

    func collections() throws -> [(name: String, indexes: String, count: Int)] {
        try session.query(PostgresQuery(unsafeSQL: SQL.listCollections), deadline: deadline).rows
            .map { try $0.decode((String, String, Int).self) }
    }

    func declaredIndexes(_ name: CollectionName) throws -> String? {
        try session.query(PostgresQuery(unsafeSQL: SQL.selectIndexes, binds: binds(name.description)), deadline: deadline)
            .rows.first?.decode(String.self)
    }

    func setDeclaredIndexes(_ name: CollectionName, _ indexes: String) throws {
        try lockForWriting()
        try session.query(PostgresQuery(unsafeSQL: SQL.updateIndexes, binds: binds(indexes, name.description)), deadline: deadline)
    }

    func execute(_ sql: String) throws {
        try lockForWriting()
        try session.query(PostgresQuery(unsafeSQL: sql), deadline: deadline)
    }

    func itemCount(_ name: CollectionName) throws -> Int {
        try session.query(PostgresQuery(unsafeSQL: SQL.countItems, binds: binds(name.description)), deadline: deadline)
            .rows.first?.decode(Int.self) ?? 0
    }

    func deleteCollection(_ name: CollectionName) throws {
        try lockForWriting()
        try session.query(PostgresQuery(unsafeSQL: SQL.deleteCollection, binds: binds(name.description)), deadline: deadline)
    }

    private func binds(_ texts: String...) -> PostgresBindings {
        var binds = PostgresBindings(capacity: texts.count)
        for text in texts { binds.append(text) }
        return binds
    }
}

/// The documents of one query as its rows arrive, refusing a result past ``CollectionLimits/maxResultBytes`` before
/// it is all in memory.
private final class GatheredDocuments: Sendable {
    private let state = Mutex<(texts: [String], bytes: Int)>(([], 0))

    var texts: [String] { state.withLock { $0.texts } }

    func append(_ text: String) throws(CollectionError) {
        try state.withLock { (state) throws(CollectionError) in
            state.bytes += text.utf8.count
            try CollectionLimits.checkResult(bytes: state.bytes)
            state.texts.append(text)
        }
    }
}
