/// The collection tables inside one transaction a store has open: each backend supplies these statements, and the
/// operations (`+Operations`: the requests scripts make; `+Administration`) are written once against them, so every
/// backend follows the same rules. Valid only inside the transaction it was made for; nothing here validates input.
protocol CollectionTables {
    associatedtype Dialect: CollectionDialect

    /// The deadline the transaction's statements stop at.
    var deadline: UInt64? { get }

    /// A failure of the backend's, as a `CollectionError` (a statement stopped at the deadline, or `.storage`).
    func collectionError(_ error: any Error) -> CollectionError

    /// Calls `body` with the `data` of each row `query` reads, in order, reading them one at a time.
    func forEachDocument(_ query: SQLFragment, _ body: (String) throws -> Void) throws
    /// The one integer `query` reads.
    func count(_ query: SQLFragment) throws -> Int
    /// Creates the collection when it does not exist.
    func ensureCollection(_ name: CollectionName) throws
    /// Inserts an item; false, with nothing written, when the collection already has one with that id.
    func insertItem(_ name: CollectionName, _ document: CollectionDocument) throws -> Bool
    /// `ensureCollection` then `insertItem` (the default), or the same in fewer statements.
    func createItem(_ name: CollectionName, _ document: CollectionDocument) throws -> Bool
    /// An item's stored text and its `createdAt`.
    func storedItem(_ name: CollectionName, id: String) throws -> (text: String, createdAt: String)?
    /// Writes `document` as the whole new text of the existing item with its id.
    func updateItem(_ name: CollectionName, _ document: CollectionDocument) throws
    func deleteItem(_ name: CollectionName, id: String) throws

    // MARK: Administration

    /// Every collection with its declared indexes (a JSON array) and how many items it has, by name.
    func collections() throws -> [(name: String, indexes: String, count: Int)]
    /// The collection's declared indexes as a JSON array; nil when there is no such collection.
    func declaredIndexes(_ name: CollectionName) throws -> String?
    func setDeclaredIndexes(_ name: CollectionName, _ indexes: String) throws
    /// Runs DDL the statements wrote (`createIndex`, `dropIndex`).
    func execute(_ sql: String) throws
    func itemCount(_ name: CollectionName) throws -> Int
    /// Deletes the collection and its items.
    func deleteCollection(_ name: CollectionName) throws
}

extension CollectionTables {
    func createItem(_ name: CollectionName, _ document: CollectionDocument) throws -> Bool {
        try ensureCollection(name)
        return try insertItem(name, document)
    }
}
