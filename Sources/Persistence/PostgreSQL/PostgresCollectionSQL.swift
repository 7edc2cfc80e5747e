import Foundation
import JSONCore

/// The PostgreSQL text of collection conditions and sorts, meaning exactly what `SQLiteCollectionSQL`'s mean: a path
/// of `document` (jsonb) is read through the functions of `migrations/postgres/0002_collections.sql`, which see a
/// value as SQLite's `json_extract` does, and a filter value is bound as JSON and read through the same functions,
/// so both sides of a comparison agree on what equal and greater mean. `id`, `createdAt` and `updatedAt` are text
/// columns, compared as text with a single value turned into text as SQLite does (a list's values are not).
enum PostgresCollectionSQL: CollectionDialect {
    static let maxIdentifierLength = 63

    static func placeholder(_ number: Int) -> String { "$\(number)" }

    /// The path's key (`gatewayd_key` of a document path): what `_eq`, `_in` and `_null` compare, and so what a
    /// declared index is on.
    static func indexedExpression(_ path: FieldPath) -> String {
        operand(path).key
    }

    static func sortTerm(_ path: FieldPath, descending: Bool) -> String {
        let key = operand(path).sortKey
        return descending ? "\(key) DESC NULLS LAST" : "\(key) ASC NULLS FIRST"
    }

    static func condition(_ path: FieldPath, _ comparison: CollectionFilter.Comparison, _ bindings: inout SQLBindings) -> String {
        let x = operand(path)
        switch comparison {
        case .equal(nil), .isNull(true): return "\(x.key) IS NULL"
        case .notEqual(nil), .isNull(false): return "\(x.key) IS NOT NULL"
        case .equal(let value?): return "\(x.key) = \(x.key(of: value, &bindings))"
        case .notEqual(let value?): return "(\(x.key) IS NULL OR \(x.key) <> \(x.key(of: value, &bindings)))"
        case .ordered(let order, let value): return "\(x.sortKey) \(order.rawValue) \(x.sortKey(of: value, &bindings))"
        case .oneOf(let values): return "\(x.key) = ANY (\(x.keys(of: values, &bindings)))"
        case .noneOf(let values): return "(\(x.key) IS NULL OR \(x.key) <> ALL (\(x.keys(of: values, &bindings))))"
        case .contains(let string): return "strpos(\(x.text), \(bindings.bind(.text(string)))::text) > 0"
        case .startsWith(let prefix): return "starts_with(\(x.text), \(bindings.bind(.text(prefix)))::text)"
        }
    }

    /// What a condition compares: a text column, or a path of the document (jsonb, NULL when missing), each with
    /// its expressions for equality (`key`), order (`sortKey`) and text, and the same for a bound value.
    private enum Operand {
        case column(String)
        case document(String)

        var key: String {
            switch self {
            case .column(let column): column
            case .document(let value): "gatewayd_key(\(value))"
            }
        }

        var sortKey: String {
            switch self {
            case .column(let column): column
            case .document(let value): "gatewayd_sort_key(\(value))"
            }
        }

        var text: String {
            switch self {
            case .column(let column): column
            case .document(let value): "gatewayd_text(\(value))"
            }
        }

        func key(of value: CollectionFilter.Value, _ bindings: inout SQLBindings) -> String {
            switch self {
            case .column: "\(bindings.bind(.text(sqliteText(value))))::text"
            case .document: "gatewayd_key(gatewayd_jsonb(\(bindings.bind(.text(value.json.serialized())))))"
            }
        }

        func sortKey(of value: CollectionFilter.Value, _ bindings: inout SQLBindings) -> String {
            switch self {
            case .column: key(of: value, &bindings)
            case .document: "gatewayd_sort_key(gatewayd_jsonb(\(bindings.bind(.text(value.json.serialized())))))"
            }
        }

        /// The keys of a list, bound as one JSON array however long it is.
        func keys(of values: [CollectionFilter.Value], _ bindings: inout SQLBindings) -> String {
            switch self {
            case .column:
                // SQLite compares a list's values (from json_each) with the column as they are: only strings can be
                // equal to it.
                let strings = values.compactMap { value -> JSONValue? in
                    if case .string(let string) = value { .string(string) } else { nil }
                }
                let array = bindings.bind(.text(JSONValue.array(strings).serialized()))
                return "ARRAY(SELECT jsonb_array_elements_text(\(array)::jsonb))"
            case .document:
                let array = bindings.bind(.text(CollectionFilter.jsonArray(values)))
                return "ARRAY(SELECT gatewayd_key(element) FROM jsonb_array_elements(gatewayd_jsonb(\(array))) AS element)"
            }
        }
    }

    /// The column that holds `path`, or the jsonb at `path` in the document: its segments are validated names, safe
    /// in a text-array literal.
    private static func operand(_ path: FieldPath) -> Operand {
        column(path).map(Operand.column) ?? .document("(document #> '{\(path.segments.joined(separator: ","))}')")
    }

    /// `value` as SQLite turns a bound value into text to compare it with a text column: a float as printf's
    /// `%!.15g` writes it (15 significant digits, always a point), true and false as 1 and 0.
    static func sqliteText(_ value: CollectionFilter.Value) -> String {
        switch value {
        case .string(let string): return string
        case .int(let int): return String(int)
        case .bool(let bool): return bool ? "1" : "0"
        case .double(let double):
            let text = String(format: "%.15g", double)
            guard !text.contains(".") else { return text }
            if let exponent = text.firstIndex(of: "e") { return text[..<exponent] + ".0" + text[exponent...] }
            return text + ".0"
        }
    }
}
