import JSONCore
import Testing

@testable import Persistence

@Suite struct CollectionFilterTests {
    /// Runs `body` with the collections of a fresh `backend` store holding four `people`.
    private func withPeople(_ backend: Backend, _ body: (any CollectionStore) throws -> Void) async throws {
        try await backend.withCollections { store async throws in
            try store.insert("people", [
                ["id": "a", "name": "ann", "age": 30, "active": true, "score": 1.5, "note": "hello world",
                 "user": ["name": "ann", "role": "admin"]],
                ["id": "b", "name": "bob", "age": 25, "active": false, "score": 2.5, "note": "Hello",
                 "user": ["name": "bob", "role": "user"]],
                ["id": "c", "name": "cy", "age": nil, "note": "x' OR '1'='1", "user": ["name": "cy"]],
                ["id": "d", "name": "dee", "age": 40, "active": true, "score": 2],
            ])
            try body(store)
        }
    }

    /// Filters on `people` and the ids they match.
    static let matchCases: [(JSONValue, [String])] = [
        // Comparisons, bare values and several operators on one field.
        (["name": ["_eq": "ann"]], ["a"]),
        (["name": "bob"], ["b"]),
        (["age": ["_gt": 25]], ["a", "d"]),
        (["age": ["_gte": 25]], ["a", "b", "d"]),
        (["age": ["_lt": 30]], ["b"]),
        (["age": ["_lte": 30]], ["a", "b"]),
        (["age": ["_gt": 25, "_lt": 40]], ["a"]),
        (["score": ["_gte": 2]], ["b", "d"]),
        (["score": 1.5], ["a"]),
        (["name": ["_in": ["ann", "dee", "zed"]]], ["a", "d"]),
        (["age": ["_in": [25, 40]]], ["b", "d"]),
        (["name": ["_nin": ["ann", "dee"]]], ["b", "c"]),
        (["note": ["_contains": "ello"]], ["a", "b"]),
        (["note": ["_contains": "hello"]], ["a"]),
        (["note": ["_starts_with": "Hel"]], ["b"]),
        (["id": ["_in": ["a", "c"]]], ["a", "c"]),
        (["id": ["_gt": "b"]], ["c", "d"]),
        (["createdAt": ["_gt": "2000-01-01T00:00:00.000Z"]], ["a", "b", "c", "d"]),
        // Booleans compare as json_extract reads them.
        (["active": true], ["a", "d"]),
        (["active": ["_eq": false]], ["b"]),
        (["active": ["_in": [true]]], ["a", "d"]),
        (["active": ["_neq": true]], ["b", "c"]),
        // Null and missing fields.
        (["age": ["_eq": nil]], ["c"]),
        (["age": nil], ["c"]),
        (["age": ["_neq": nil]], ["a", "b", "d"]),
        (["age": ["_neq": 30]], ["b", "c", "d"]),
        (["note": ["_null": true]], ["d"]),
        (["note": ["_null": false]], ["a", "b", "c"]),
        (["user.role": ["_nin": ["admin"]]], ["b", "c", "d"]),
        (["user.role": ["_neq": "admin"]], ["b", "c", "d"]),
        // Dotted and nested paths.
        (["user.name": ["_eq": "ann"]], ["a"]),
        (["user": ["name": ["_eq": "ann"]]], ["a"]),
        (["user": ["role": "user"]], ["b"]),
        (["user": ["role": ["_null": true], "name": ["_starts_with": "c"]]], ["c"]),
        // Logic.
        (["_or": [["name": "ann"], ["age": ["_gt": 35]]]], ["a", "d"]),
        (["_and": [["active": true], ["age": ["_lt": 35]]]], ["a"]),
        (["active": true, "_or": [["name": "dee"], ["user.role": "admin"]]], ["a", "d"]),
        (["_or": [["_and": [["active": true], ["score": ["_gt": 1.8]]]], ["name": "cy"]]], ["c", "d"]),
        (["name": "ann", "age": 25], []),
        (["_or": [["name": "ann"], [:]]], ["a", "b", "c", "d"]),
        (["active": true, "_or": [["name": "ann"], [:]]], ["a", "d"]),
        ([:], ["a", "b", "c", "d"]),
        (nil, ["a", "b", "c", "d"]),
        // Values that look like SQL or patterns are only ever values.
        (["note": "x' OR '1'='1"], ["c"]),
        (["name": "x' OR '1'='1"], []),
        (["note": ["_contains": "%"]], []),
        (["note": ["_starts_with": "H_"]], []),
        (["note": ["_starts_with": "x' OR"]], ["c"]),
    ]

    @Test(arguments: Backend.all)
    func filtersMatch(backend: Backend) async throws {
        try await withPeople(backend) { store throws in
            for (filter, expected) in Self.matchCases {
                #expect(try store.ids("people", ["filter": filter]) == expected, "\(filter)")
                #expect(try store.run("count", "people", ["filter": filter]) == .int(expected.count), "\(filter)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func theTableSurvivesSQLLookingInput(backend: Backend) async throws {
        try await withPeople(backend) { store throws in
            _ = try store.run("create", "people", ["data": ["id": "'); DROP TABLE collection_items; --", "name": "\"; DELETE FROM collections"]])
            #expect(try store.ids("people", ["filter": ["id": "'); DROP TABLE collection_items; --"]]).count == 1)
            #expect(try store.run("count", "people") == 5)
        }
    }

    @Test(arguments: [
        (["name": ["_regex": "a"]], "filter.name: unknown operator _regex"),
        (["user": ["name": ["_foo": 1]]], "filter.user.name: unknown operator _foo"),
        (["a;DROP TABLE x": 1], "filter: \"a;DROP TABLE x\" is not a valid field path"),
        (["a b": ["_eq": 1]], "filter: \"a b\" is not a valid field path"),
        (["user": ["first name": 1]], "filter: \"user.first name\" is not a valid field path"),
        (["a.b.c.d.e.f.g.h.i": 1], "filter: \"a.b.c.d.e.f.g.h.i\" is not a valid field path"),
        (["user..name": 1], "filter: \"user..name\" is not a valid field path"),
        (["tags": ["_eq": [1]]], "filter.tags._eq must be a string, number or boolean, not an array"),
        (["tags": [1, 2]], "filter.tags._eq must be a string, number or boolean, not an array"),
        (["age": ["_gt": ["a": 1]]], "filter.age._gt must be a string, number or boolean, not an object"),
        (["age": ["_gt": nil]], "filter.age._gt must be a string, number or boolean, not null"),
        (["age": ["_eq": .double(.nan)]], "filter.age._eq must be a finite number"),
        (["age": ["_in": 5]], "filter.age._in must be an array of 1 to 1000 strings, numbers or booleans"),
        (["age": ["_in": [:]]], "filter.age._in must be an array of 1 to 1000 strings, numbers or booleans"),
        (["age": ["_nin": [1, nil]]], "filter.age._nin must be an array of 1 to 1000 strings, numbers or booleans"),
        (["age": ["_in": .array(Array(repeating: 1, count: 1001))]], "filter.age._in must be an array of 1 to 1000 strings, numbers or booleans"),
        (["note": ["_contains": 5]], "filter.note._contains must be a string"),
        (["note": ["_starts_with": nil]], "filter.note._starts_with must be a string"),
        (["note": ["_null": "yes"]], "filter.note._null must be a boolean"),
        (["note": [:]], "filter.note has no condition"),
        (["_or": [:]], "filter: _or must be a non-empty array of filters"),
        (["_and": "x"], "filter: _and must be a non-empty array of filters"),
        (["_or": [1]], "filter must be an object"),
        ("status = 1", "filter must be an object"),
    ] as [(JSONValue, String)])
    func badFiltersAreRefusedNamingTheField(filter: JSONValue, message: String) {
        #expect(throws: CollectionError(.badRequest, message)) {
            try CollectionRequest(action: "find", collection: "people", arguments: ["filter": filter])
        }
    }

    @Test func nestingIsLimitedToSixteenLevels() throws {
        func nested(_ levels: Int) -> JSONValue {
            (1..<levels).reduce(["v": 1] as JSONValue) { inner, _ in ["_and": [inner]] }
        }
        _ = try CollectionRequest(action: "find", collection: "c", arguments: ["filter": nested(16)])
        #expect(throws: CollectionError(.badRequest, "filter is nested deeper than 16 levels")) {
            try CollectionRequest(action: "find", collection: "c", arguments: ["filter": nested(17)])
        }
        // Nested field objects are levels too: an 8-segment nested path is 8 levels, inside 8 more of _and it is 16.
        let path: JSONValue = ["a": ["b": ["c": ["d": ["e": ["f": ["g": ["h": 1]]]]]]]]
        let wrapped = { (levels: Int) -> JSONValue in (0..<levels).reduce(path) { inner, _ in ["_and": [inner]] } }
        _ = try CollectionRequest(action: "find", collection: "c", arguments: ["filter": wrapped(8)])
        #expect(throws: CollectionError(.badRequest, "filter is nested deeper than 16 levels")) {
            try CollectionRequest(action: "find", collection: "c", arguments: ["filter": wrapped(9)])
        }
    }

    @Test func conditionsAreLimitedToTwoHundredFiftySix() throws {
        let conditions = { (count: Int) -> JSONValue in .array((0..<count).map { ["f\($0)": ["_eq": .int($0)]] }) }
        _ = try CollectionRequest(action: "find", collection: "c", arguments: ["filter": ["_or": conditions(256)]])
        #expect(throws: CollectionError(.badRequest, "filter has more than 256 conditions")) {
            try CollectionRequest(action: "count", collection: "c", arguments: ["filter": ["_or": conditions(257)]])
        }
    }

    @Test(arguments: Backend.all)
    func largestFilterStillRuns(backend: Backend) async throws {
        // 256 conditions, each a list of 1000 values: one bound parameter per list keeps under SQLite's limits.
        let list = JSONValue.array((0..<1000).map { .int($0) })
        let filter: JSONValue = ["_or": .array((0..<256).map { _ in ["age": ["_in": list]] })]
        try await withPeople(backend) { store throws in
            #expect(try store.ids("people", ["filter": filter]) == ["a", "b", "d"])
        }
    }
}
