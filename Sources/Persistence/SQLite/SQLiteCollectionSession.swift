import GRDB
import JSONCore

/// Collection operations on the GRDB connection of the transaction `SQLiteCollectionStore` has open.
struct SQLiteCollectionSession: CollectionSession {
    let db: Database
    let deadline: UInt64?
    let statements: CollectionStatementBudget

    func perform(_ request: CollectionRequest) throws(CollectionError) -> CollectionOutcome {
        try CollectionDeadline.check(deadline)
        do {
            return try run(request)
        } catch let error as CollectionError {
            throw error
        } catch {
            throw CollectionError(database: error, deadline: deadline)
        }
    }

    func savepoint<T>(_ body: (any CollectionSession) throws -> T) throws -> T {
        var result: T?
        do {
            try db.inSavepoint {
                do {
                    result = try body(self)
                } catch {
                    throw CallerError(error: error)
                }
                return .commit
            }
        } catch let error as CallerError {
            throw error.error
        } catch {
            throw CollectionError(database: error, deadline: deadline)
        }
        guard let result else { preconditionFailure("inSavepoint returned without running its body") }
        return result
    }

    private func run(_ request: CollectionRequest) throws -> CollectionOutcome {
        let name = request.name
        switch request.operation {
        case .find(let query):
            let page = try documents(CollectionSQL.find(in: name, query), fields: query.fields)
            let total = try count(CollectionSQL.count(in: name, query.filter))
            return CollectionOutcome(result: ["data": .array(page), "meta": ["total": .int(total)]], change: nil)
        case .findOne(let query):
            return CollectionOutcome(result: try documents(CollectionSQL.find(in: name, query), fields: query.fields).first, change: nil)
        case .count(let filter):
            return CollectionOutcome(result: .int(try count(CollectionSQL.count(in: name, filter))), change: nil)
        case .create(let data):
            let id = try data["id"].map(CollectionDocument.id) ?? CollectionDocument.newId()
            let now = CollectionDocument.timestamp()
            let document = try CollectionDocument(fields: data, id: id, createdAt: now, updatedAt: now)
            try db.cachedStatement(sql: CollectionSQL.ensureCollection).execute(arguments: [name.description])
            do {
                try db.cachedStatement(sql: CollectionSQL.insertItem)
                    .execute(arguments: [name.description, id, document.encoded, now, now])
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw CollectionError(.conflict, "\(name) already has an item with id \"\(id)\"")
            }
            return change(name, .create, document.value)
        case .update(let id, let data):
            let stored = try storedItem(name, id)
            let merged = (stored.document.objectValue ?? [:]).merging(data) { _, new in new }
            let document = try write(name, id, merged, createdAt: stored.createdAt)
            return change(name, .update, document.value, previous: stored.document)
        case .replace(let id, let data):
            let stored = try storedItem(name, id)
            let document = try write(name, id, data, createdAt: stored.createdAt)
            return change(name, .replace, document.value, previous: stored.document)
        case .delete(let id):
            let stored = try storedItem(name, id)
            try db.cachedStatement(sql: CollectionSQL.deleteItem).execute(arguments: [name.description, id])
            return change(name, .delete, stored.document)
        }
    }

    /// The rows of `query`, read one at a time so that a result past ``CollectionLimits/maxResultBytes`` of stored
    /// JSON fails before it is all in memory.
    private func documents(_ query: CollectionSQL.Fragment, fields: [FieldPath]?) throws -> [JSONValue] {
        var documents: [JSONValue] = []
        var bytes = 0
        let rows = try String.fetchCursor(statement(query.sql), arguments: query.arguments)
        while let text = try rows.next() {
            bytes += text.utf8.count
            guard bytes <= CollectionLimits.maxResultBytes else {
                throw CollectionError(.payloadTooLarge, "the result is larger than \(CollectionLimits.maxResultBytes) bytes of JSON; ask for fewer rows (limit) or fields")
            }
            let document = try CollectionDocument.decode(text)
            documents.append(fields.map { CollectionDocument.project(document, onto: $0) } ?? document)
        }
        return documents
    }

    /// `sql` prepared: from the connection's cache while the budget admits it, else afresh.
    private func statement(_ sql: String) throws -> Statement {
        statements.admits(sql) ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
    }

    private func count(_ query: CollectionSQL.Fragment) throws -> Int {
        try Int.fetchOne(statement(query.sql), arguments: query.arguments) ?? 0
    }

    private func storedItem(_ name: CollectionName, _ id: String) throws -> (document: JSONValue, createdAt: String) {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: CollectionSQL.selectItem), arguments: [name.description, id]) else {
            throw CollectionError(.notFound, "\(name) has no item with id \"\(id)\"")
        }
        return (try CollectionDocument.decode(row[0]), row[1])
    }

    /// Stores `fields` as the whole new document of an existing item.
    private func write(_ name: CollectionName, _ id: String, _ fields: [String: JSONValue], createdAt: String) throws -> CollectionDocument {
        let document = try CollectionDocument(fields: fields, id: id, createdAt: createdAt, updatedAt: CollectionDocument.timestamp())
        try db.cachedStatement(sql: CollectionSQL.updateItem)
            .execute(arguments: [document.encoded, document.updatedAt, name.description, id])
        return document
    }

    private func change(_ name: CollectionName, _ method: CollectionChange.Method, _ item: JSONValue, previous: JSONValue? = nil) -> CollectionOutcome {
        CollectionOutcome(result: item, change: CollectionChange(collection: name.description, method: method, item: item, previous: previous))
    }
}
