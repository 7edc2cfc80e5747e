/// What one SQL dialect of the collection store writes its own way: a condition on a path, a sort on a path, the
/// expression a declared index is on, placeholders. `CollectionStatements` writes the rest of every statement once.
protocol CollectionDialect {
    /// The placeholder of the `number`th bound value, from 1.
    static func placeholder(_ number: Int) -> String

    /// The SQL of one condition, binding its values.
    static func condition(_ path: FieldPath, _ comparison: CollectionFilter.Comparison, _ bindings: inout SQLBindings) -> String

    /// The ORDER BY term of one sort key: the store's order of values (null and missing first when ascending).
    static func sortTerm(_ path: FieldPath, descending: Bool) -> String

    /// The expression a declared index on `path` is on: exactly what `condition` writes for `_eq` and `_null`.
    static func indexedExpression(_ path: FieldPath) -> String

    /// The longest identifier the dialect keeps as given, for index names.
    static var maxIdentifierLength: Int { get }
}

extension CollectionDialect {
    /// The column that holds `path`, for the keys the store keeps as columns.
    static func column(_ path: FieldPath) -> String? {
        switch path.description {
        case "id": "id"
        case "createdAt": "created_at"
        case "updatedAt": "updated_at"
        default: nil
        }
    }
}
