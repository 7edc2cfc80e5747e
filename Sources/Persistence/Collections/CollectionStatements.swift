/// The SQL of the collection store, written once for every dialect: what differs between dialects comes from
/// `Dialect` (conditions, sorts, the indexed expression, placeholders).
///
/// Only validated names are written into the text: field paths as path literals, and in queries and declared indexes
/// the collection name as a string literal. Every value is bound.
///
/// Declared indexes are partial, one per collection and path: `ON collection_items (<expression>) WHERE collection =
/// '<name>'`. SQLite's planner (3.40, without ANALYZE statistics) never prefers an index on `(collection,
/// <expression>)` to the `(collection, id)` primary key, but it does take a partial index whose WHERE the query
/// repeats literally, and then needs no sort for the id tie-break either; PostgreSQL takes it too. Writes to other
/// collections never touch it.
enum CollectionStatements<Dialect: CollectionDialect> {
    // MARK: Items

    static var ensureCollection: String {
        "INSERT INTO collections (name) VALUES (\(p(1))) ON CONFLICT (name) DO NOTHING"
    }

    static var selectItem: String {
        "SELECT data, created_at FROM collection_items WHERE collection = \(p(1)) AND id = \(p(2))"
    }

    /// Changes no row when the collection already has an item with that id.
    static var insertItem: String {
        """
        INSERT INTO collection_items (collection, id, data, created_at, updated_at) \
        VALUES (\(p(1)), \(p(2)), \(p(3)), \(p(4)), \(p(5))) ON CONFLICT (collection, id) DO NOTHING
        """
    }

    static var updateItem: String {
        "UPDATE collection_items SET data = \(p(1)), updated_at = \(p(2)) WHERE collection = \(p(3)) AND id = \(p(4))"
    }

    static var deleteItem: String { "DELETE FROM collection_items WHERE collection = \(p(1)) AND id = \(p(2))" }

    /// A page of documents (`data`) matching `query`.
    static func find(in collection: CollectionName, _ query: CollectionQuery) -> SQLFragment {
        var bindings = SQLBindings(placeholder: Dialect.placeholder)
        let condition = whereClause(collection, query.filter, &bindings)
        let limit = bindings.bind(.integer(query.limit))
        let offset = bindings.bind(.integer(query.offset))
        let sql = "SELECT data FROM collection_items WHERE \(condition) ORDER BY \(orderBy(query.sort)) LIMIT \(limit) OFFSET \(offset)"
        return SQLFragment(sql: sql, values: bindings.values)
    }

    static func count(in collection: CollectionName, _ filter: CollectionFilter) -> SQLFragment {
        var bindings = SQLBindings(placeholder: Dialect.placeholder)
        let condition = whereClause(collection, filter, &bindings)
        return SQLFragment(sql: "SELECT COUNT(*) FROM collection_items WHERE \(condition)", values: bindings.values)
    }

    // MARK: Collections

    static var listCollections: String { """
        SELECT name, indexes, (SELECT COUNT(*) FROM collection_items WHERE collection = collections.name) AS count
        FROM collections ORDER BY name
        """
    }
    static var selectIndexes: String { "SELECT indexes FROM collections WHERE name = \(p(1))" }
    static var updateIndexes: String { "UPDATE collections SET indexes = \(p(1)) WHERE name = \(p(2))" }
    static var countItems: String { "SELECT COUNT(*) FROM collection_items WHERE collection = \(p(1))" }
    /// Its items go with it (ON DELETE CASCADE); its indexes are dropped one by one with `dropIndex`.
    static var deleteCollection: String { "DELETE FROM collections WHERE name = \(p(1))" }

    /// The index that serves `_eq` and `_null` on `path` within a collection: on exactly the expression the
    /// conditions write and for exactly the rows `whereClause` selects, which is what lets the planner match them.
    static func createIndex(_ collection: CollectionName, _ path: FieldPath) -> String {
        """
        CREATE INDEX IF NOT EXISTS "\(indexName(collection, path))" ON collection_items (\(Dialect.indexedExpression(path))) \
        WHERE \(inCollection(collection))
        """
    }

    static func dropIndex(_ collection: CollectionName, _ path: FieldPath) -> String {
        "DROP INDEX IF EXISTS \"\(indexName(collection, path))\""
    }

    /// `[A-Za-z0-9_]` only, readable, and unique per (collection, path): names that read alike once `-` and `.`
    /// become `_` differ by the hash of the exact pair, which also stays when the readable part is cut to the
    /// dialect's longest identifier.
    static func indexName(_ collection: CollectionName, _ path: FieldPath) -> String {
        func readable(_ text: String) -> String {
            String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        }
        let hash = fnv1a64(Array("\(collection)\u{0}\(path)".utf8))
        let suffix = "_" + String(hash, radix: 16)
        let name = "collection_index_\(readable(collection.description))__\(readable(path.description))"
        return name.prefix(Dialect.maxIdentifierLength - suffix.count) + suffix
    }

    /// FNV-1a: stable across runs and platforms, unlike `Hasher`.
    private static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    // MARK: Filters

    private static func p(_ number: Int) -> String { Dialect.placeholder(number) }

    /// `collection = '<name>' AND <filter>`.
    private static func whereClause(_ collection: CollectionName, _ filter: CollectionFilter, _ bindings: inout SQLBindings) -> String {
        guard let condition = condition(filter, &bindings) else { return inCollection(collection) }
        return "\(inCollection(collection)) AND \(condition)"
    }

    /// The collection as a literal, as a partial index's WHERE must be repeated: a valid name has no quote.
    private static func inCollection(_ collection: CollectionName) -> String {
        "collection = '\(collection)'"
    }

    /// The SQL of `filter`, binding its values; nil when it matches everything.
    private static func condition(_ filter: CollectionFilter, _ bindings: inout SQLBindings) -> String? {
        switch filter {
        case .all(let filters):
            let parts = filters.compactMap { condition($0, &bindings) }
            if parts.isEmpty { return nil }
            return parts.count == 1 ? parts[0] : "(\(parts.joined(separator: " AND ")))"
        case .any(let filters):
            // One alternative that matches everything makes the whole OR do so, and then none of its values stay
            // (nor their placeholder numbers).
            let before = bindings
            var parts: [String] = []
            for filter in filters {
                guard let part = condition(filter, &bindings) else {
                    bindings = before
                    return nil
                }
                parts.append(part)
            }
            return parts.count == 1 ? parts[0] : "(\(parts.joined(separator: " OR ")))"
        case .condition(let path, let comparison):
            return Dialect.condition(path, comparison, &bindings)
        }
    }

    private static func orderBy(_ sort: [CollectionQuery.SortKey]) -> String {
        var terms = sort.map { Dialect.sortTerm($0.path, descending: $0.descending) }
        if !sort.contains(where: { $0.path.description == "id" }) { terms.append("id ASC") }
        return terms.joined(separator: ", ")
    }
}
