import JSONCore

/// A Directus-style filter, parsed and bounded; `CollectionSQL` turns it into a parameterised WHERE.
///
/// Input forms: `{field = {_op = value, ...}, ...}` (keys and operators ANDed), a bare value meaning `_eq`,
/// dotted paths (`["user.name"]`) or nested objects (`{user = {name = ...}}`) alike, and `_and` / `_or` arrays.
indirect enum CollectionFilter: Sendable, Equatable {
    case all([CollectionFilter])
    case any([CollectionFilter])
    case condition(FieldPath, Comparison)

    static let matchEverything = CollectionFilter.all([])
    static let maxDepth = 16
    static let maxConditions = 256
    static let maxListCount = 1000

    /// A value to compare with. Booleans stay booleans here; the dialect decides how they compare.
    enum Value: Sendable, Equatable {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)
    }

    /// An ordering comparison, as its SQL operator.
    enum Order: String, Sendable {
        case greater = ">"
        case greaterOrEqual = ">="
        case less = "<"
        case lessOrEqual = "<="
    }

    enum Comparison: Sendable, Equatable {
        /// `nil`: the field is null or missing.
        case equal(Value?)
        /// A missing field counts as not equal to anything but null.
        case notEqual(Value?)
        /// `_gt`, `_gte`, `_lt`, `_lte`.
        case ordered(Order, Value)
        case oneOf([Value])
        /// A missing field counts as in none of the values.
        case noneOf([Value])
        case contains(String)
        case startsWith(String)
        case isNull(Bool)
    }

    init(parsing value: JSONValue) throws(CollectionError) {
        var parser = FilterParser()
        self = try parser.filter(value, depth: 1)
    }
}

/// Recursive descent over the filter JSON, counting conditions as it goes.
private struct FilterParser {
    private var conditions = 0

    mutating func filter(_ value: JSONValue, depth: Int) throws(CollectionError) -> CollectionFilter {
        guard depth <= CollectionFilter.maxDepth else {
            throw .badRequest("filter is nested deeper than \(CollectionFilter.maxDepth) levels")
        }
        if value.isNull { return .matchEverything }
        guard let members = value.objectValue else { throw .badRequest("filter must be an object") }
        var parts: [CollectionFilter] = []
        // Sorted, so the same filter always compiles to the same SQL and fails with the same message.
        for (key, member) in members.sorted(by: { $0.key < $1.key }) {
            switch key {
            case "_and": parts.append(.all(try filters(member, key: key, depth: depth)))
            case "_or": parts.append(.any(try filters(member, key: key, depth: depth)))
            default: parts += try field(key, member, depth: depth)
            }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private mutating func filters(_ value: JSONValue, key: String, depth: Int) throws(CollectionError) -> [CollectionFilter] {
        guard let items = value.arrayValue, !items.isEmpty else {
            throw .badRequest("filter: \(key) must be a non-empty array of filters")
        }
        var result: [CollectionFilter] = []
        for item in items { result.append(try filter(item, depth: depth + 1)) }
        return result
    }

    /// The conditions on `path`: operators are the `_` keys of an object, other keys go one level deeper.
    private mutating func field(_ path: String, _ value: JSONValue, depth: Int) throws(CollectionError) -> [CollectionFilter] {
        guard case .object(let members) = value else {
            return [try condition(path, "_eq", value)]
        }
        guard !members.isEmpty else { throw .badRequest("filter.\(path) has no condition") }
        guard depth < CollectionFilter.maxDepth else {
            throw .badRequest("filter is nested deeper than \(CollectionFilter.maxDepth) levels")
        }
        var result: [CollectionFilter] = []
        for (key, member) in members.sorted(by: { $0.key < $1.key }) {
            if key.hasPrefix("_") {
                result.append(try condition(path, key, member))
            } else {
                result += try field("\(path).\(key)", member, depth: depth + 1)
            }
        }
        return result
    }

    private mutating func condition(_ path: String, _ op: String, _ value: JSONValue) throws(CollectionError) -> CollectionFilter {
        let fieldPath = try FieldPath(path, field: "filter")
        conditions += 1
        guard conditions <= CollectionFilter.maxConditions else {
            throw .badRequest("filter has more than \(CollectionFilter.maxConditions) conditions")
        }
        let name = "filter.\(path).\(op)"
        let comparison: CollectionFilter.Comparison
        switch op {
        case "_eq": comparison = .equal(value.isNull ? nil : try Self.value(value, name))
        case "_neq": comparison = .notEqual(value.isNull ? nil : try Self.value(value, name))
        case "_gt": comparison = .ordered(.greater, try Self.value(value, name))
        case "_gte": comparison = .ordered(.greaterOrEqual, try Self.value(value, name))
        case "_lt": comparison = .ordered(.less, try Self.value(value, name))
        case "_lte": comparison = .ordered(.lessOrEqual, try Self.value(value, name))
        case "_in": comparison = .oneOf(try Self.list(value, name))
        case "_nin": comparison = .noneOf(try Self.list(value, name))
        case "_contains": comparison = .contains(try Self.string(value, name))
        case "_starts_with": comparison = .startsWith(try Self.string(value, name))
        case "_null":
            guard let flag = value.boolValue else { throw .badRequest("\(name) must be a boolean") }
            comparison = .isNull(flag)
        default:
            throw .badRequest("filter.\(path): unknown operator \(op)")
        }
        return .condition(fieldPath, comparison)
    }

    private static func value(_ value: JSONValue, _ name: String) throws(CollectionError) -> CollectionFilter.Value {
        switch value {
        case .string(let string): return .string(string)
        case .int(let int): return .int(int)
        case .double(let double) where double.isFinite: return .double(double)
        case .bool(let bool): return .bool(bool)
        case .double: throw .badRequest("\(name) must be a finite number")
        case .null: throw .badRequest("\(name) must be a string, number or boolean, not null")
        case .array: throw .badRequest("\(name) must be a string, number or boolean, not an array")
        case .object: throw .badRequest("\(name) must be a string, number or boolean, not an object")
        case .binary: throw .badRequest("\(name) must be a string, number or boolean, not binary")
        }
    }

    private static func list(_ value: JSONValue, _ name: String) throws(CollectionError) -> [CollectionFilter.Value] {
        let message = "\(name) must be an array of 1 to \(CollectionFilter.maxListCount) strings, numbers or booleans"
        guard let items = value.arrayValue, (1...CollectionFilter.maxListCount).contains(items.count) else {
            throw .badRequest(message)
        }
        var result: [CollectionFilter.Value] = []
        for item in items {
            guard !item.isNull, let scalar = try? Self.value(item, name) else { throw .badRequest(message) }
            result.append(scalar)
        }
        return result
    }

    private static func string(_ value: JSONValue, _ name: String) throws(CollectionError) -> String {
        guard let string = value.stringValue else { throw .badRequest("\(name) must be a string") }
        return string
    }
}

extension CollectionFilter {
    /// A list of values as one JSON array: how `_in` and `_nin` bind a list however long it is.
    static func jsonArray(_ list: [Value]) -> String {
        JSONValue.array(list.map(\.json)).serialized()
    }
}

extension CollectionFilter.Value {
    var json: JSONValue {
        switch self {
        case .string(let string): .string(string)
        case .int(let int): .int(int)
        case .double(let double): .double(double)
        case .bool(let bool): .bool(bool)
        }
    }
}
