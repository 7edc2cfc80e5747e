import JSONCore
import Persistence

extension FuzzTarget {
    /// A few items of every JSON type, in an in-memory SQLite store, for `find` to run against.
    private static let store: any CollectionStore = {
        let store = try! Stores.inMemory().collections
        let items: [JSONValue] = [
            ["id": "a", "n": 1, "s": "x", "b": true, "nested": ["k": [1, 2]], "none": .null],
            ["id": "b", "n": 2.5, "s": "y'); DROP TABLE items; --", "b": false, "nested": ["k": "v"]],
            ["id": "c", "n": -3, "tags": ["p", "q"], "when": "2026-12-07T00:00:00Z"],
        ]
        for item in items {
            _ = try! store.perform(CollectionRequest(action: "create", collection: "items", arguments: ["data": item]), deadline: nil)
        }
        return store
    }()

    /// The collection request parser and the SQL it compiles: the input, parsed as JSON, is the arguments of a `find`
    /// (`filter`, `sort`, `fields`, `limit`, `offset`). A request the parser refuses is a `BAD_REQUEST`; one it takes
    /// must run: the database never refuses the SQL a filter compiled to.
    static func filter(_ input: UnsafeRawBufferPointer) {
        guard let arguments = try? JSONValue(parsing: input) else { return }
        let request: CollectionRequest
        do {
            request = try CollectionRequest(action: "find", collection: "items", arguments: arguments)
        } catch {
            precondition(error.code == .badRequest, "the parser refused with \(error)")
            return
        }
        do {
            _ = try store.perform(request, deadline: nil)
        } catch {
            precondition(error.code != .storage, "a parsed request's SQL failed: \(error) for \(arguments.serialized())")
        }
    }
}
