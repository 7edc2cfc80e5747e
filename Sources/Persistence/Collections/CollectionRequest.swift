import JSONCore

/// One collection operation, parsed and validated from the form both the Lua `DB` API and the admin HTTP API
/// use: an action name, a collection name and the arguments table as JSON.
///
/// Everything is checked here, before any SQL runs: unknown actions and argument keys, types, field paths,
/// filter limits. Refusals are `BAD_REQUEST` naming the offending field.
public struct CollectionRequest: Sendable, Equatable {
    enum Operation: Sendable, Equatable {
        case find(CollectionQuery)
        case findOne(CollectionQuery)
        case count(CollectionFilter)
        case create([String: JSONValue])
        case update(id: String, data: [String: JSONValue])
        case replace(id: String, data: [String: JSONValue])
        case delete(id: String)
    }

    let name: CollectionName
    let operation: Operation

    /// The collection the request is about.
    public var collection: String { name.description }

    /// Whether the request reads with one SQL statement (`findOne`, `count`), which needs no transaction of its own.
    var isSingleStatement: Bool {
        switch operation {
        case .findOne, .count: true
        default: false
        }
    }

    /// Whether the request writes, and so needs the writer connection and a write transaction.
    public var isWrite: Bool {
        switch operation {
        case .find, .findOne, .count: false
        case .create, .update, .replace, .delete: true
        }
    }

    /// Parses `action` (`find`, `findOne`, `count`, `create`, `update`, `replace`, `delete`) on `collection`
    /// with `arguments` (an object, or null for none).
    public init(action: String, collection: String, arguments: JSONValue) throws(CollectionError) {
        name = try CollectionName(collection)
        switch action {
        case "find":
            let arguments = try Arguments(arguments, action: action, allowed: ["filter", "fields", "sort", "limit", "offset"])
            operation = .find(try arguments.query())
        case "findOne":
            let arguments = try Arguments(arguments, action: action, allowed: ["filter", "fields", "sort"])
            var query = try arguments.query()
            query.limit = 1
            operation = .findOne(query)
        case "count":
            let arguments = try Arguments(arguments, action: action, allowed: ["filter"])
            operation = .count(try arguments.filter())
        case "create":
            let arguments = try Arguments(arguments, action: action, allowed: ["data"])
            operation = .create(try arguments.data())
        case "update":
            let arguments = try Arguments(arguments, action: action, allowed: ["id", "data"])
            operation = .update(id: try arguments.id(), data: try arguments.data())
        case "replace":
            let arguments = try Arguments(arguments, action: action, allowed: ["id", "data"])
            operation = .replace(id: try arguments.id(), data: try arguments.data())
        case "delete":
            let arguments = try Arguments(arguments, action: action, allowed: ["id"])
            operation = .delete(id: try arguments.id())
        default:
            throw .badRequest("unknown action \(action) (expected find, findOne, count, create, update, replace or delete)")
        }
    }
}

/// The arguments table of one request, its keys checked against what the action takes.
private struct Arguments {
    let members: [String: JSONValue]

    init(_ value: JSONValue, action: String, allowed: [String]) throws(CollectionError) {
        if value.isNull {
            members = [:]
            return
        }
        guard let members = value.objectValue else { throw .badRequest("the arguments of \(action) must be an object") }
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("unknown argument \(unknown) for \(action) (it takes \(allowed.joined(separator: ", ")))")
        }
        self.members = members
    }

    func query() throws(CollectionError) -> CollectionQuery {
        var query = CollectionQuery()
        query.filter = try filter()
        query.fields = try fields()
        query.sort = try sort()
        if let value = members["limit"] {
            guard let limit = value.intValue else { throw .badRequest("limit must be an integer") }
            guard limit >= 1 else { throw .badRequest("limit must be at least 1") }
            query.limit = min(limit, CollectionQuery.maxLimit)
        }
        if let value = members["offset"] {
            guard let offset = value.intValue else { throw .badRequest("offset must be an integer") }
            guard offset >= 0 else { throw .badRequest("offset must not be negative") }
            query.offset = offset
        }
        return query
    }

    func filter() throws(CollectionError) -> CollectionFilter {
        try members["filter"].map(CollectionFilter.init(parsing:)) ?? .matchEverything
    }

    /// An array of paths; an empty Lua table arrives as `{}` and means no projection.
    private func fields() throws(CollectionError) -> [FieldPath]? {
        guard let value = members["fields"], value != .object([:]) else { return nil }
        guard let items = value.arrayValue else { throw .badRequest("fields must be an array of field paths") }
        var paths: [FieldPath] = []
        for item in items {
            guard let text = item.stringValue else { throw .badRequest("fields must be an array of field paths") }
            paths.append(try FieldPath(text, field: "fields"))
        }
        return paths.isEmpty ? nil : paths
    }

    /// One key or an array of them; `-` in front sorts descending.
    private func sort() throws(CollectionError) -> [CollectionQuery.SortKey] {
        guard let value = members["sort"], value != .object([:]) else { return [] }
        let message = "sort must be a field path or an array of them (\"-\" in front for descending)"
        let items: [JSONValue]
        switch value {
        case .string: items = [value]
        case .array(let array): items = array
        default: throw .badRequest(message)
        }
        guard items.count <= CollectionQuery.maxSortKeys else {
            throw .badRequest("sort takes at most \(CollectionQuery.maxSortKeys) fields")
        }
        var keys: [CollectionQuery.SortKey] = []
        for item in items {
            guard let text = item.stringValue else { throw .badRequest(message) }
            let descending = text.hasPrefix("-")
            keys.append(.init(path: try FieldPath(String(text.dropFirst(descending ? 1 : 0)), field: "sort"), descending: descending))
        }
        return keys
    }

    func data() throws(CollectionError) -> [String: JSONValue] {
        guard let value = members["data"] else { throw .badRequest("data is required") }
        guard let data = value.objectValue else { throw .badRequest("data must be an object") }
        return data
    }

    func id() throws(CollectionError) -> String {
        guard let value = members["id"] else { throw .badRequest("id is required") }
        return try CollectionDocument.id(value)
    }
}
