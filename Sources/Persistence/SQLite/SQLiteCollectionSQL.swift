/// The SQLite text of collection conditions and sorts: a path reads as `json_extract` does (JSON null and a missing
/// path are NULL, true and false are 1 and 0, objects and arrays are their JSON text), and values compare as
/// SQLite's own (numbers before text, text by bytes). `PostgresCollectionSQL` reproduces exactly this.
enum SQLiteCollectionSQL: CollectionDialect {
    static let maxIdentifierLength = Int.max

    static func placeholder(_ number: Int) -> String { "?" }

    /// The SQL value a path reads: a column for the keys the store keeps as columns, else `json_extract`.
    static func indexedExpression(_ path: FieldPath) -> String {
        column(path) ?? "json_extract(data, '$.\(path)')"
    }

    static func sortTerm(_ path: FieldPath, descending: Bool) -> String {
        "\(indexedExpression(path)) \(descending ? "DESC" : "ASC")"
    }

    static func condition(_ path: FieldPath, _ comparison: CollectionFilter.Comparison, _ bindings: inout SQLBindings) -> String {
        let x = indexedExpression(path)
        switch comparison {
        case .equal(nil), .isNull(true):
            return "\(x) IS NULL"
        case .notEqual(nil), .isNull(false):
            return "\(x) IS NOT NULL"
        case .equal(let value?):
            return "\(x) = \(bindings.bind(sqlValue(value)))"
        case .notEqual(let value?):
            return "(\(x) IS NULL OR \(x) <> \(bindings.bind(sqlValue(value))))"
        case .ordered(let order, let value):
            return "\(x) \(order.rawValue) \(bindings.bind(sqlValue(value)))"
        case .oneOf(let list):
            // One parameter however long the list: a JSON array, unpacked by json_each (which yields true and false
            // as 1 and 0 too).
            return "\(x) IN (SELECT value FROM json_each(\(bindings.bind(.text(CollectionFilter.jsonArray(list))))))"
        case .noneOf(let list):
            return "(\(x) IS NULL OR \(x) NOT IN (SELECT value FROM json_each(\(bindings.bind(.text(CollectionFilter.jsonArray(list)))))))"
        case .contains(let string):
            return "instr(\(x), \(bindings.bind(.text(string)))) > 0"
        case .startsWith(let prefix):
            return "substr(\(x), 1, length(\(bindings.bind(.text(prefix))))) = \(bindings.bind(.text(prefix)))"
        }
    }

    /// json_extract reads JSON true and false as 1 and 0, so booleans are bound as such.
    private static func sqlValue(_ value: CollectionFilter.Value) -> SQLValue {
        switch value {
        case .string(let string): .text(string)
        case .int(let int): .integer(int)
        case .double(let double): .real(double)
        case .bool(let bool): .integer(bool ? 1 : 0)
        }
    }
}
