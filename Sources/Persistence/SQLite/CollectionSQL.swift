import GRDB
import JSONCore

/// All the SQLite text of the collection store, so that another dialect is another file like this one.
///
/// Only validated names are written into the text: field paths as JSON path literals, and in queries and
/// declared indexes the collection name as a string literal. Every value is bound.
///
/// Declared indexes are partial, one per collection and path: `ON collection_items (<expression>) WHERE
/// collection = '<name>'`. SQLite's planner (3.40, without ANALYZE statistics) never prefers an index on
/// `(collection, <expression>)` to the `(collection, id)` primary key, but it does take a partial index whose
/// WHERE the query repeats literally, and then needs no sort for the id tie-break either. Writes to other
/// collections never touch it.
enum CollectionSQL {
    /// SQL text and the values its `?` placeholders bind, in order.
    struct Fragment {
        var sql: String
        var values: [DatabaseValue]

        var arguments: StatementArguments { StatementArguments(values) }
    }

    // MARK: Items

    static let ensureCollection = "INSERT INTO collections (name) VALUES (?) ON CONFLICT (name) DO NOTHING"
    static let selectItem = "SELECT data, created_at FROM collection_items WHERE collection = ? AND id = ?"
    static let insertItem =
        "INSERT INTO collection_items (collection, id, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
    static let updateItem = "UPDATE collection_items SET data = ?, updated_at = ? WHERE collection = ? AND id = ?"
    static let deleteItem = "DELETE FROM collection_items WHERE collection = ? AND id = ?"

    /// A page of documents (`data`) matching `query`.
    static func find(in collection: CollectionName, _ query: CollectionQuery) -> Fragment {
        var fragment = whereClause(collection, query.filter)
        fragment.sql = "SELECT data FROM collection_items WHERE \(fragment.sql) ORDER BY \(orderBy(query.sort)) LIMIT ? OFFSET ?"
        fragment.values += [query.limit.databaseValue, query.offset.databaseValue]
        return fragment
    }

    static func count(in collection: CollectionName, _ filter: CollectionFilter) -> Fragment {
        var fragment = whereClause(collection, filter)
        fragment.sql = "SELECT COUNT(*) FROM collection_items WHERE \(fragment.sql)"
        return fragment
    }

    // MARK: Collections

    static let listCollections = """
        SELECT name, indexes, (SELECT COUNT(*) FROM collection_items WHERE collection = collections.name) AS count
        FROM collections ORDER BY name
        """
    static let selectIndexes = "SELECT indexes FROM collections WHERE name = ?"
    static let updateIndexes = "UPDATE collections SET indexes = ? WHERE name = ?"
    static let countItems = "SELECT COUNT(*) FROM collection_items WHERE collection = ?"
    /// Its items go with it (ON DELETE CASCADE); its indexes are dropped one by one with `dropIndex`.
    static let deleteCollection = "DELETE FROM collections WHERE name = ?"

    /// The index that serves `_eq` and `_null` on `path` within a collection: on exactly the expression
    /// `condition` writes and for exactly the rows `whereClause` selects, which is what lets the planner match them.
    static func createIndex(_ collection: CollectionName, _ path: FieldPath) -> String {
        """
        CREATE INDEX IF NOT EXISTS "\(indexName(collection, path))" ON collection_items (\(expression(path))) \
        WHERE \(inCollection(collection))
        """
    }

    static func dropIndex(_ collection: CollectionName, _ path: FieldPath) -> String {
        "DROP INDEX IF EXISTS \"\(indexName(collection, path))\""
    }

    /// `[A-Za-z0-9_]` only, readable, and unique per (collection, path): names that read alike once `-` and `.`
    /// become `_` differ by the hash of the exact pair.
    static func indexName(_ collection: CollectionName, _ path: FieldPath) -> String {
        func readable(_ text: String) -> String {
            String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        }
        let hash = fnv1a64(Array("\(collection)\u{0}\(path)".utf8))
        let suffix = String(hash, radix: 16)
        return "collection_index_\(readable(collection.description))__\(readable(path.description))_\(suffix)"
    }

    /// FNV-1a: stable across runs and platforms, unlike `Hasher`.
    private static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    // MARK: Filters

    /// The SQL value a path reads: a column for the keys the store keeps as columns, else `json_extract`.
    static func expression(_ path: FieldPath) -> String {
        switch path.description {
        case "id": "id"
        case "createdAt": "created_at"
        case "updatedAt": "updated_at"
        default: "json_extract(data, '$.\(path)')"
        }
    }

    /// `collection = '<name>' AND <filter>`.
    private static func whereClause(_ collection: CollectionName, _ filter: CollectionFilter) -> Fragment {
        var values: [DatabaseValue] = []
        guard let condition = condition(filter, &values) else { return Fragment(sql: inCollection(collection), values: values) }
        return Fragment(sql: "\(inCollection(collection)) AND \(condition)", values: values)
    }

    /// The collection as a literal, as a partial index's WHERE must be repeated: a valid name has no quote.
    private static func inCollection(_ collection: CollectionName) -> String {
        "collection = '\(collection)'"
    }

    /// The SQL of `filter`, appending its values; nil when it matches everything.
    private static func condition(_ filter: CollectionFilter, _ values: inout [DatabaseValue]) -> String? {
        switch filter {
        case .all(let filters):
            let parts = filters.compactMap { condition($0, &values) }
            if parts.isEmpty { return nil }
            return parts.count == 1 ? parts[0] : "(\(parts.joined(separator: " AND ")))"
        case .any(let filters):
            // One alternative that matches everything makes the whole OR do so, and then none of its values stay.
            var parts: [String] = []
            var own: [DatabaseValue] = []
            for filter in filters {
                guard let part = condition(filter, &own) else { return nil }
                parts.append(part)
            }
            values += own
            return parts.count == 1 ? parts[0] : "(\(parts.joined(separator: " OR ")))"
        case .condition(let path, let comparison):
            return condition(expression(path), comparison, &values)
        }
    }

    private static func condition(_ x: String, _ comparison: CollectionFilter.Comparison, _ values: inout [DatabaseValue]) -> String {
        switch comparison {
        case .equal(nil), .isNull(true):
            return "\(x) IS NULL"
        case .notEqual(nil), .isNull(false):
            return "\(x) IS NOT NULL"
        case .equal(let value?):
            values.append(databaseValue(value))
            return "\(x) = ?"
        case .notEqual(let value?):
            values.append(databaseValue(value))
            return "(\(x) IS NULL OR \(x) <> ?)"
        case .greater(let value):
            values.append(databaseValue(value))
            return "\(x) > ?"
        case .greaterOrEqual(let value):
            values.append(databaseValue(value))
            return "\(x) >= ?"
        case .less(let value):
            values.append(databaseValue(value))
            return "\(x) < ?"
        case .lessOrEqual(let value):
            values.append(databaseValue(value))
            return "\(x) <= ?"
        case .oneOf(let list):
            // One parameter however long the list: a JSON array, unpacked by json_each.
            values.append(jsonArray(list))
            return "\(x) IN (SELECT value FROM json_each(?))"
        case .noneOf(let list):
            values.append(jsonArray(list))
            return "(\(x) IS NULL OR \(x) NOT IN (SELECT value FROM json_each(?)))"
        case .contains(let string):
            values.append(string.databaseValue)
            return "instr(\(x), ?) > 0"
        case .startsWith(let prefix):
            values += [prefix.databaseValue, prefix.databaseValue]
            return "substr(\(x), 1, length(?)) = ?"
        }
    }

    /// json_extract reads JSON true and false as 1 and 0, so booleans are bound as such.
    private static func databaseValue(_ value: CollectionFilter.Value) -> DatabaseValue {
        switch value {
        case .string(let string): string.databaseValue
        case .int(let int): int.databaseValue
        case .double(let double): double.databaseValue
        case .bool(let bool): (bool ? 1 : 0).databaseValue
        }
    }

    /// json_each yields JSON true and false as 1 and 0 too.
    private static func jsonArray(_ list: [CollectionFilter.Value]) -> DatabaseValue {
        let items: [JSONValue] = list.map {
            switch $0 {
            case .string(let string): .string(string)
            case .int(let int): .int(int)
            case .double(let double): .double(double)
            case .bool(let bool): .bool(bool)
            }
        }
        return JSONValue.array(items).serialized().databaseValue
    }

    private static func orderBy(_ sort: [CollectionQuery.SortKey]) -> String {
        var terms = sort.map { "\(expression($0.path)) \($0.descending ? "DESC" : "ASC")" }
        if !sort.contains(where: { $0.path.description == "id" }) { terms.append("id ASC") }
        return terms.joined(separator: ", ")
    }
}
