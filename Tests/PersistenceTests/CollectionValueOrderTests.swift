import JSONCore
import Testing

@testable import Persistence

/// What filters and sorts do with values of different types: as SQLite's `json_extract` sees them (null and missing
/// are NULL; true and false are 1 and 0; objects and arrays are their JSON text), numbers before text, text by bytes.
/// PostgreSQL must agree on every one.
@Suite struct CollectionValueOrderTests {
    /// `v` of each item, by id; `miss` has none.
    static let values: [String: JSONValue] = [
        "n1": 1, "n15": 1.5, "f2": 2.0, "big": 12_345_678_901_234_567, "neg": -3, "t": true, "f": false,
        "s1": "1", "s15": "1.5", "sa": "a", "sB": "B", "e": "é", "arr": ["red", "blue"], "obj": ["k": "red", "a": 2],
        "nul": nil,
    ]

    static let cases: [(JSONValue, [String])] = [
        (["v": 1], ["n1", "t"]),
        (["v": true], ["n1", "t"]),
        (["v": false], ["f"]),
        (["v": "1"], ["s1"]),
        (["v": 2], ["f2"]),
        (["v": 2.0], ["f2"]),
        (["v": #"["red","blue"]"#], ["arr"]),
        (["v": ["_gt": 1]], ["arr", "big", "e", "f2", "n15", "obj", "s1", "s15", "sB", "sa"]),
        (["v": ["_gte": 1.5]], ["arr", "big", "e", "f2", "n15", "obj", "s1", "s15", "sB", "sa"]),
        (["v": ["_lt": "a"]], ["arr", "big", "f", "f2", "n1", "n15", "neg", "s1", "s15", "sB", "t"]),
        (["v": ["_lte": 0]], ["f", "neg"]),
        (["v": ["_gt": "1"]], ["arr", "e", "obj", "s15", "sB", "sa"]),
        (["v": ["_neq": 1]], ["arr", "big", "e", "f", "f2", "miss", "n15", "neg", "nul", "obj", "s1", "s15", "sB", "sa"]),
        (["v": ["_in": [1, "a"]]], ["n1", "sa", "t"]),
        (["v": ["_in": [true]]], ["n1", "t"]),
        (["v": ["_nin": [1, "a"]]], ["arr", "big", "e", "f", "f2", "miss", "n15", "neg", "nul", "obj", "s1", "s15", "sB"]),
        (["v": ["_contains": "red"]], ["arr", "obj"]),
        (["v": ["_contains": "."]], ["f2", "n15", "s15"]),
        (["v": ["_contains": "1"]], ["big", "n1", "n15", "s1", "s15", "t"]),
        (["v": ["_contains": ""]], ["arr", "big", "e", "f", "f2", "n1", "n15", "neg", "obj", "s1", "s15", "sB", "sa", "t"]),
        (["v": ["_starts_with": "["]], ["arr"]),
        (["v": ["_starts_with": "1"]], ["big", "n1", "n15", "s1", "s15", "t"]),
        (["v": ["_starts_with": "é"]], ["e"]),
        (["v": ["_null": true]], ["miss", "nul"]),
    ]

    @Test(arguments: Backend.all)
    func filtersCompareTypesAsSQLiteDoes(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try Self.insertValues(store)
            for (filter, expected) in Self.cases {
                #expect(try store.ids("things", ["filter": filter]) == expected, "\(filter)")
                #expect(try store.run("count", "things", ["filter": filter]) == .int(expected.count), "\(filter)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func sortsPutNullsThenNumbersThenTextByBytes(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            try Self.insertValues(store)
            #expect(try store.ids("things", ["sort": "v"]) == [
                "miss", "nul", "neg", "f", "n1", "t", "n15", "f2", "big", "s1", "s15", "sB", "arr", "sa", "obj", "e",
            ])
            #expect(try store.ids("things", ["sort": "-v"]) == [
                "e", "obj", "sa", "arr", "sB", "s15", "s1", "big", "f2", "n15", "n1", "t", "f", "neg", "miss", "nul",
            ])
        }
    }

    /// `id` (like `createdAt` and `updatedAt`) is text: one value is compared as text (a number as SQLite writes it),
    /// while a list's numbers are never equal to it.
    @Test(arguments: Backend.all)
    func theIdColumnComparesAsText(backend: Backend) async throws {
        let cases: [(JSONValue, [String])] = [
            (["id": 42], ["42"]),
            (["id": 42.0], ["42.0"]),
            (["id": true], ["1"]),
            (["id": ["_in": [42, "sa"]]], ["sa"]),
            (["id": ["_nin": [42, "sa"]]], ["1", "42", "42.0"]),
            (["id": ["_gt": 5]], ["sa"]),
            (["id": ["_gte": 42.0]], ["42.0", "sa"]),
            (["id": ["_lt": 1]], []),
            (["id": ["_contains": "."]], ["42.0"]),
            (["id": ["_starts_with": "4"]], ["42", "42.0"]),
        ]
        try await backend.withCollections { store async throws in
            try store.insert("ids", ["42", "42.0", "1", "sa"].map { ["id": .string($0)] })
            for (filter, expected) in cases {
                #expect(try store.ids("ids", ["filter": filter]) == expected, "\(filter)")
            }
        }
    }

    @Test(arguments: Backend.all)
    func numbersReadBackAsWritten(backend: Backend) async throws {
        // Integers stay integers and floats floats, however large: what PostgreSQL's jsonb would rewrite (1e+16 as
        // 10000000000000000) is read from the stored text.
        let data: JSONValue = ["i": 10_000_000_000_000_000, "d": 1e16, "small": 1e-7, "neg": -0.0, "x": 0.30000000000000004]
        try await backend.withCollections { store async throws in
            let created = try #require(try store.run("create", "numbers", ["data": data]))
            let read = try #require(try store.run("findOne", "numbers"))
            #expect(read == created)
            #expect(read["i"] == .int(10_000_000_000_000_000))
            #expect(read["d"] == .double(1e16))
            #expect(try store.ids("numbers", ["filter": ["d": 1e16]]).count == 1)
            #expect(try store.ids("numbers", ["filter": ["x": ["_gt": 0.3]]]).count == 1)
        }
    }

    @Test(arguments: Backend.all)
    func aNulCharacterIsStoredAndFound(backend: Backend) async throws {
        try await backend.withCollections { store async throws in
            _ = try store.run("create", "nul", ["data": ["id": "a", "s": "x\u{0}y", "t": #"x\u0000y"#]])
            #expect(try store.run("findOne", "nul")?["s"] == "x\u{0}y")
            #expect(try store.ids("nul", ["filter": ["s": "x\u{0}y"]]) == ["a"])
            #expect(try store.ids("nul", ["filter": ["t": #"x\u0000y"#]]) == ["a"])
        }
    }

    private static func insertValues(_ store: any CollectionStore) throws {
        var items: [JSONValue] = [["id": "miss"]]
        for (id, value) in values.sorted(by: { $0.key < $1.key }) { items.append(["id": .string(id), "v": value]) }
        try store.insert("things", items)
    }
}
