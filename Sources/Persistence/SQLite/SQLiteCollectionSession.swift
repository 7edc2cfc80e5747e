import GRDB

/// The collection tables on the GRDB connection of the transaction `SQLiteCollectionStore` has open.
struct SQLiteCollectionSession: CollectionSession, CollectionTables {
    typealias Dialect = SQLiteCollectionSQL
    private typealias SQL = CollectionStatements<SQLiteCollectionSQL>

    let db: Database
    let deadline: UInt64?
    let statements: CollectionStatementBudget

    func collectionError(_ error: any Error) -> CollectionError {
        CollectionError(database: error, deadline: deadline)
    }

    func savepoint<T>(_ body: (any CollectionSession) throws -> T) throws -> T {
        var result: T?
        try CallerError.sorting(collectionError) {
            try db.inSavepoint {
                result = try CallerError.marking { try body(self) }
                return .commit
            }
        }
        guard let result else { preconditionFailure("inSavepoint returned without running its body") }
        return result
    }

    // MARK: Tables

    func forEachDocument(_ query: SQLFragment, _ body: (String) throws -> Void) throws {
        let rows = try String.fetchCursor(statement(query.sql), arguments: query.arguments)
        while let text = try rows.next() { try body(text) }
    }

    func count(_ query: SQLFragment) throws -> Int {
        try Int.fetchOne(statement(query.sql), arguments: query.arguments) ?? 0
    }

    /// `sql` prepared: from the connection's cache while the budget admits it, else afresh.
    private func statement(_ sql: String) throws -> Statement {
        statements.admits(sql) ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
    }

    func ensureCollection(_ name: CollectionName) throws {
        try db.cachedStatement(sql: SQL.ensureCollection).execute(arguments: [name.description])
    }

    func insertItem(_ name: CollectionName, _ document: CollectionDocument) throws -> Bool {
        try db.cachedStatement(sql: SQL.insertItem).execute(
            arguments: [name.description, document.id, document.encoded, document.createdAt, document.updatedAt])
        return db.changesCount > 0
    }

    func storedItem(_ name: CollectionName, id: String) throws -> (text: String, createdAt: String)? {
        try Row.fetchOne(db.cachedStatement(sql: SQL.selectItem), arguments: [name.description, id]).map { ($0[0], $0[1]) }
    }

    func updateItem(_ name: CollectionName, _ document: CollectionDocument) throws {
        try db.cachedStatement(sql: SQL.updateItem)
            .execute(arguments: [document.encoded, document.updatedAt, name.description, document.id])
    }

    func deleteItem(_ name: CollectionName, id: String) throws {
        try db.cachedStatement(sql: SQL.deleteItem).execute(arguments: [name.description, id])
    }

    // MARK: Administration

    func collections() throws -> [(name: String, indexes: String, count: Int)] {
        try Row.fetchAll(db, sql: SQL.listCollections).map { ($0["name"], $0["indexes"], $0["count"]) }
    }

    func declaredIndexes(_ name: CollectionName) throws -> String? {
        try String.fetchOne(db, sql: SQL.selectIndexes, arguments: [name.description])
    }

    func setDeclaredIndexes(_ name: CollectionName, _ indexes: String) throws {
        try db.execute(sql: SQL.updateIndexes, arguments: [indexes, name.description])
    }

    func execute(_ sql: String) throws {
        try db.execute(sql: sql)
    }

    func itemCount(_ name: CollectionName) throws -> Int {
        try Int.fetchOne(db, sql: SQL.countItems, arguments: [name.description]) ?? 0
    }

    func deleteCollection(_ name: CollectionName) throws {
        try db.execute(sql: SQL.deleteCollection, arguments: [name.description])
    }
}
