import JSONCore
import Testing

@testable import Persistence

@Suite struct CollectionRequestTests {
    @Test(arguments: [
        ("upsert", "c", nil, "unknown action upsert (expected find, findOne, count, create, update, replace or delete)"),
        ("find", "no way", nil, "collection: \"no way\" is not a valid collection name (a letter or _, then up to 63 letters, digits, _ or -)"),
        ("find", "9lives", nil, "collection: \"9lives\" is not a valid collection name (a letter or _, then up to 63 letters, digits, _ or -)"),
        ("find", String(repeating: "c", count: 65), nil,
         "collection: \"\(String(repeating: "c", count: 65))\" is not a valid collection name (a letter or _, then up to 63 letters, digits, _ or -)"),
        ("find", "c", 5, "the arguments of find must be an object"),
        ("find", "c", ["filtr": [:]], "unknown argument filtr for find (it takes filter, fields, sort, limit, offset)"),
        ("count", "c", ["limit": 1], "unknown argument limit for count (it takes filter)"),
        ("delete", "c", ["id": 1, "data": [:]], "unknown argument data for delete (it takes id)"),
        ("find", "c", ["limit": "10"], "limit must be an integer"),
        ("find", "c", ["limit": 1.5], "limit must be an integer"),
        ("find", "c", ["limit": 0], "limit must be at least 1"),
        ("find", "c", ["limit": -3], "limit must be at least 1"),
        ("find", "c", ["offset": true], "offset must be an integer"),
        ("find", "c", ["offset": -1], "offset must not be negative"),
        ("find", "c", ["sort": 5], "sort must be a field path or an array of them (\"-\" in front for descending)"),
        ("find", "c", ["sort": ["name", 1]], "sort must be a field path or an array of them (\"-\" in front for descending)"),
        ("find", "c", ["sort": "-a;b"], "sort: \"a;b\" is not a valid field path"),
        ("find", "c", ["sort": "-"], "sort: \"\" is not a valid field path"),
        ("find", "c", ["sort": .array(Array(repeating: "a", count: 17))], "sort takes at most 16 fields"),
        ("find", "c", ["fields": "name"], "fields must be an array of field paths"),
        ("find", "c", ["fields": ["a b"]], "fields: \"a b\" is not a valid field path"),
        ("create", "c", nil, "data is required"),
        ("create", "c", ["data": "x"], "data must be an object"),
        ("create", "c", ["data": [1, 2]], "data must be an object"),
        ("create", "c", ["data": ["id": true]], "id must be a string or an integer"),
        ("create", "c", ["data": ["id": ""]], "id must be 1 to 255 bytes long"),
        ("create", "c", ["data": ["blob": .binary([1])]], "data must not contain binary values"),
        ("update", "c", ["data": [:]], "id is required"),
        ("update", "c", ["id": "x"], "data is required"),
        ("replace", "c", ["id": ["x"], "data": [:]], "id must be a string or an integer"),
        ("delete", "c", ["id": 1.5], "id must be a string or an integer"),
    ] as [(String, String, JSONValue, String)])
    func refusalsNameTheirField(action: String, collection: String, arguments: JSONValue, message: String) throws {
        let store = try Stores.inMemory().collections
        #expect(throws: CollectionError(.badRequest, message)) {
            let request = try CollectionRequest(action: action, collection: collection, arguments: arguments)
            _ = try store.perform(request, deadline: nil)
        }
    }

    @Test(arguments: Backend.all)
    func deeplyNestedDataIsRefusedBeforeItCannotBeReadBack(backend: Backend) async throws {
        let nested = { (levels: Int) -> JSONValue in (1..<levels).reduce(["x": 1] as JSONValue) { inner, _ in ["x": inner] } }
        try await backend.withCollections { store async throws in
            _ = try store.run("create", "c", ["data": nested(JSONValue.defaultMaxDepth)])
            #expect(try store.run("findOne", "c")?["x"] == nested(JSONValue.defaultMaxDepth - 1))
            #expect(throws: CollectionError(.badRequest, "data is nested deeper than 128 levels")) {
                try store.run("create", "c", ["data": nested(JSONValue.defaultMaxDepth + 1)])
            }
        }
    }

    @Test func argumentsParseIntoTheirQuery() throws {
        let request = try CollectionRequest(action: "find", collection: "c", arguments: [
            "filter": ["status": "open"], "fields": ["user.name"], "sort": ["-createdAt", "name"], "limit": 5000.0, "offset": 3,
        ])
        #expect(request.collection == "c")
        #expect(!request.isWrite)
        var expected = CollectionQuery()
        expected.filter = .condition(try FieldPath("status", field: "test"), .equal(.string("open")))
        expected.fields = [try FieldPath("user.name", field: "test")]
        expected.sort = [.init(path: try FieldPath("createdAt", field: "test"), descending: true), .init(path: try FieldPath("name", field: "test"), descending: false)]
        expected.limit = 1000
        expected.offset = 3
        #expect(request.operation == .find(expected))
    }

    @Test func emptyLuaTablesMeanNothing() throws {
        // Lua cannot tell an empty array from an empty object: `fields = {}` and `sort = {}` arrive as `{}`.
        let request = try CollectionRequest(action: "find", collection: "c", arguments: ["filter": [:], "fields": [:], "sort": [:]])
        #expect(request.operation == .find(CollectionQuery()))
        #expect(try CollectionRequest(action: "findOne", collection: "c", arguments: nil).operation == .findOne(CollectionQuery(limit: 1)))
    }

    @Test(arguments: [
        ("find", nil, false), ("findOne", nil, false), ("count", nil, false),
        ("create", ["data": [:]], true), ("update", ["id": 1, "data": [:]], true),
        ("replace", ["id": 1, "data": [:]], true), ("delete", ["id": 1], true),
    ] as [(String, JSONValue, Bool)])
    func writesAreTold(action: String, arguments: JSONValue, isWrite: Bool) throws {
        #expect(try CollectionRequest(action: action, collection: "c", arguments: arguments).isWrite == isWrite)
    }
}
