import JSONCore

/// The administration `CollectionStore` offers, on any backend's tables, each inside one transaction.
extension CollectionTables {
    func listCollections() throws -> [CollectionSummary] {
        try collections().map { row in
            CollectionSummary(name: row.name, count: row.count, indexes: try Self.indexes(row.indexes))
        }
    }

    /// Throws `.notFound` when there is no such collection.
    func dropCollection(_ name: CollectionName) throws -> Int {
        guard let indexes = try declaredIndexes(name) else {
            throw CollectionError(.notFound, "there is no collection \(name)")
        }
        for path in try Self.indexes(indexes) {
            try execute(CollectionStatements<Dialect>.dropIndex(name, try FieldPath(path, field: "indexes")))
        }
        let count = try itemCount(name)
        try deleteCollection(name)
        return count
    }

    /// Creates the collection if needed and an index per path; returns every path now declared, sorted.
    func declareIndexes(_ name: CollectionName, _ paths: [FieldPath]) throws -> [String] {
        try ensureCollection(name)
        for path in paths { try execute(CollectionStatements<Dialect>.createIndex(name, path)) }
        let declared = try Self.indexes(declaredIndexes(name) ?? "[]")
        let union = Array(Set(declared + paths.map(\.description))).sorted()
        try setDeclaredIndexes(name, JSONValue.array(union.map(JSONValue.string)).serialized())
        return union
    }

    private static func indexes(_ text: String) throws(CollectionError) -> [String] {
        try CollectionDocument.decode(text).arrayValue?.compactMap(\.stringValue) ?? []
    }
}
