import Dispatch
import EngineIO
import Hummingbird
import JSONCore
import Persistence

/// `/admin/collections`: the collections handler scripts use, from the app's backend. Writes fire the gateways'
/// change hooks like a handler's writes do.
///
/// `GET /admin/collections`, `DELETE /admin/collections/{name}`, `GET|POST /admin/collections/{name}/items` (`filter`
/// as JSON, `sort` and `fields` comma-separated, `limit`, `offset`), `GET|PATCH|PUT|DELETE
/// /admin/collections/{name}/items/{id}`. Refusals carry the store's codes (`BAD_REQUEST` naming the field,
/// `NOT_FOUND`, `CONFLICT`, `PAYLOAD_TOO_LARGE`).
extension AdminAPI {
    /// The longest one admin collection call may run.
    static let collectionCallTimeoutNanoseconds: UInt64 = 10_000_000_000

    func installCollectionRoutes<Context: RequestContext>(on admin: RouterGroup<Context>) {
        admin.get("collections") { _, _ in
            JSONResponse(CollectionList(collections: try await offload { () throws(CollectionError) in try store.collections.listCollections() }))
        }
        admin.delete("collections/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            _ = try await offload { () throws(CollectionError) in try store.collections.dropCollection(name) }
            return Response(status: .noContent)
        }
        admin.get("collections/:name/items") { request, context in
            try await perform("find", context, arguments: try Self.findArguments(FormQuery(of: request.uri)))
        }
        admin.post("collections/:name/items") { request, context in
            try await perform("create", context, arguments: ["data": try await body(of: request)], status: .created)
        }
        admin.get("collections/:name/items/:id") { _, context in
            try await perform("findOne", context, arguments: ["filter": ["id": ["_eq": .string(itemId(context))]]])
        }
        admin.patch("collections/:name/items/:id") { request, context in
            try await perform("update", context, arguments: ["id": .string(itemId(context)), "data": try await body(of: request)])
        }
        admin.put("collections/:name/items/:id") { request, context in
            try await perform("replace", context, arguments: ["id": .string(itemId(context)), "data": try await body(of: request)])
        }
        admin.delete("collections/:name/items/:id") { _, context in
            try await perform("delete", context, arguments: ["id": .string(itemId(context))])
        }
    }

    /// Runs one request on the store off the cooperative pool (the store is synchronous), fires the hooks of what it
    /// committed, and answers its result; `findOne` of nothing is 404.
    private func perform(
        _ action: String, _ context: some RequestContext, arguments: JSONValue, status: HTTPResponse.Status = .ok
    ) async throws -> JSONResponse<AnyJSON> {
        let name = context.parameters.get("name") ?? ""
        let outcome = try await offload { () throws(CollectionError) in
            let request = try CollectionRequest(action: action, collection: name, arguments: arguments)
            return try store.collections.perform(request, deadline: CollectionDeadline.after(Self.collectionCallTimeoutNanoseconds))
        }
        if let change = outcome.change { onCommit([change]) }
        guard let result = outcome.result else {
            throw AdminError.notFound("\(name) has no item with id \"\(context.parameters.get("id") ?? "")\"")
        }
        return JSONResponse(AnyJSON(result), status: status)
    }

    private func body(of request: Request) async throws -> JSONValue {
        try await decode(AnyJSON.self, from: request).value
    }

    private func itemId(_ context: some RequestContext) -> String { context.parameters.get("id") ?? "" }

    /// `find`'s arguments from the query string.
    static func findArguments(_ query: FormQuery) throws(AdminError) -> JSONValue {
        var arguments: [String: JSONValue] = [:]
        for (key, text) in query.parameters {
            switch key {
            case "filter":
                do {
                    arguments["filter"] = try JSONValue(parsing: text)
                } catch {
                    throw Self.badRequest("filter must be JSON: \(error)", field: "filter")
                }
            case "sort", "fields":
                arguments[key] = .array(text.split(separator: ",").map { .string(String($0)) })
            case "limit", "offset":
                guard let number = Int(text) else { throw Self.badRequest("\(key) must be an integer", field: key) }
                arguments[key] = .int(number)
            default:
                throw Self.badRequest("unknown query parameter \(key) (filter, sort, fields, limit, offset)", field: key)
            }
        }
        return .object(arguments)
    }

    private static func badRequest(_ message: String, field: String) -> AdminError {
        AdminError(status: .badRequest, code: "BAD_REQUEST", message: message, field: field)
    }

    /// Runs `work` on a dispatch thread: the store blocks while SQLite works, which a cooperative thread must not.
    private func offload<T: Sendable>(_ work: @escaping @Sendable () throws(CollectionError) -> T) async throws(AdminError) -> T {
        let result: Result<T, CollectionError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Result { () throws(CollectionError) in try work() }) }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error): throw AdminError(error)
        }
    }
}

/// `GET /admin/collections`.
struct CollectionList: Encodable {
    var collections: [CollectionSummary]
}

extension AdminError {
    /// The collection store's refusal, under its own code.
    init(_ error: CollectionError) {
        let status: HTTPResponse.Status = switch error.code {
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .deadlineExceeded: .gatewayTimeout
        case .storageFull: .init(code: 507, reasonPhrase: "Insufficient Storage")
        case .storage: .internalServerError
        }
        self.init(status: status, code: error.code.rawValue, message: error.message)
    }
}
