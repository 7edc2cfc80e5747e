import PostgresNIO
import Synchronization

/// The collection tables on the pooled connection `PostgresCollectionStore` lent, inside its transaction (or for one
/// statement on its own, for reads).
///
/// Writers take the collections' write lock (a transaction-level advisory lock on the schema) before writing, so
/// write transactions run one at a time as on SQLite, and what a transaction read before its writes cannot change
/// under it: `update`'s read-merge-write and `DB.transaction`'s read-then-write mean the same on both backends.
struct PostgresCollectionSession: CollectionSession, CollectionTables {
    typealias Dialect = PostgresCollectionSQL
    private typealias SQL = CollectionStatements<PostgresCollectionSQL>

    /// The write lock's two keys: this constant, and the schema's name hashed.
    static let lockKey: Int32 = 0x6777_6463

    let session: PostgresSession
    let deadline: UInt64?

    func collectionError(_ error: any Error) -> CollectionError {
        CollectionError(postgres: error, deadline: deadline)
    }

    /// Takes the write lock unless this transaction holds it already.
    func lockForWriting() throws {
        try session.lockOnce("SELECT pg_advisory_xact_lock(\(Self.lockKey), hashtext(current_schema()))", deadline: deadline)
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
