import JSONCore

/// The operations scripts and the admin API ask for, on any backend's tables.
extension CollectionTables {
    /// Runs `request` unless the deadline has passed; the backend's failures come out as `CollectionError`s.
    func perform(_ request: CollectionRequest) throws(CollectionError) -> CollectionOutcome {
        try CollectionDeadline.check(deadline)
        return try CollectionError.converting(collectionError) { try run(request) }
    }

    private func run(_ request: CollectionRequest) throws -> CollectionOutcome {
        typealias SQL = CollectionStatements<Dialect>
        let name = request.name
        switch request.operation {
        case .find(let query):
            let page = try documents(SQL.find(in: name, query), fields: query.fields)
            let total = try count(SQL.count(in: name, query.filter))
            return CollectionOutcome(result: ["data": .array(page), "meta": ["total": .int(total)]], change: nil)
        case .findOne(let query):
            return CollectionOutcome(result: try documents(SQL.find(in: name, query), fields: query.fields).first, change: nil)
        case .count(let filter):
            return CollectionOutcome(result: .int(try count(SQL.count(in: name, filter))), change: nil)
        case .create(let data):
            let id = try data["id"].map(CollectionDocument.id) ?? CollectionDocument.newId()
            let now = CollectionDocument.timestamp()
            let document = try CollectionDocument(fields: data, id: id, createdAt: now, updatedAt: now)
            guard try createItem(name, document) else {
                throw CollectionError(.conflict, "\(name) already has an item with id \"\(id)\"")
            }
            return change(name, .create, document.value)
        case .update(let id, let data):
            let stored = try item(name, id)
            let merged = (stored.document.objectValue ?? [:]).merging(data) { _, new in new }
            let document = try write(name, id, merged, createdAt: stored.createdAt)
            return change(name, .update, document.value, previous: stored.document)
        case .replace(let id, let data):
            let stored = try item(name, id)
            let document = try write(name, id, data, createdAt: stored.createdAt)
            return change(name, .replace, document.value, previous: stored.document)
        case .delete(let id):
            let stored = try item(name, id)
            try deleteItem(name, id: id)
            return change(name, .delete, stored.document)
        }
    }

    /// The documents of `query`, read one at a time so that a result past ``CollectionLimits/maxResultBytes`` of
    /// stored JSON fails before it is all in memory.
    private func documents(_ query: SQLFragment, fields: [FieldPath]?) throws -> [JSONValue] {
        var documents: [JSONValue] = []
        var bytes = 0
        try forEachDocument(query) { text in
            bytes += text.utf8.count
            try CollectionLimits.checkResult(bytes: bytes)
            let document = try CollectionDocument.decode(text)
            documents.append(fields.map { CollectionDocument.project(document, onto: $0) } ?? document)
        }
        return documents
    }

    private func item(_ name: CollectionName, _ id: String) throws -> (document: JSONValue, createdAt: String) {
        guard let stored = try storedItem(name, id: id) else {
            throw CollectionError(.notFound, "\(name) has no item with id \"\(id)\"")
        }
        return (try CollectionDocument.decode(stored.text), stored.createdAt)
    }

    /// Stores `fields` as the whole new document of an existing item.
    private func write(_ name: CollectionName, _ id: String, _ fields: [String: JSONValue], createdAt: String) throws -> CollectionDocument {
        let document = try CollectionDocument(fields: fields, id: id, createdAt: createdAt, updatedAt: CollectionDocument.timestamp())
        try updateItem(name, document)
        return document
    }

    private func change(_ name: CollectionName, _ method: CollectionChange.Method, _ item: JSONValue, previous: JSONValue? = nil) -> CollectionOutcome {
        CollectionOutcome(result: item, change: CollectionChange(collection: name.description, method: method, item: item, previous: previous))
    }
}
