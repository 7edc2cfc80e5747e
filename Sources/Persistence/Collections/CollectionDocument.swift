import Foundation
import JSONCore

/// A stored item: the caller's fields plus `id`, `createdAt` and `updatedAt`, which only the store sets.
struct CollectionDocument {
    static let maxIdLength = 255

    let id: String
    let createdAt: String
    let updatedAt: String
    /// The whole object, reserved keys included: what every operation returns.
    let value: JSONValue
    let encoded: String

    /// `fields` with the reserved keys overwritten, refused when it would not read back as it was written or
    /// is larger than `CollectionLimits.maxDocumentBytes`.
    init(fields: [String: JSONValue], id: String, createdAt: String, updatedAt: String) throws(CollectionError) {
        var members = fields
        members["id"] = .string(id)
        members["createdAt"] = .string(createdAt)
        members["updatedAt"] = .string(updatedAt)
        let value = JSONValue.object(members)
        guard !value.containsBinary else { throw .badRequest("data must not contain binary values") }
        guard Self.nests(value, within: JSONValue.defaultMaxDepth) else {
            throw .badRequest("data is nested deeper than \(JSONValue.defaultMaxDepth) levels")
        }
        encoded = value.serialized()
        let size = encoded.utf8.count
        guard size <= CollectionLimits.maxDocumentBytes else {
            throw CollectionError(
                .payloadTooLarge,
                "the document is \(size) bytes encoded, more than the \(CollectionLimits.maxDocumentBytes) allowed"
            )
        }
        self.id = id
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.value = value
    }

    /// The stored text of a document back as JSON.
    static func decode(_ text: String) throws(CollectionError) -> JSONValue {
        do {
            return try JSONValue(parsing: text)
        } catch {
            throw CollectionError(.storage, "a stored document is not valid JSON: \(error)")
        }
    }

    /// An item id as given: a non-empty string, or an integer (stored as its decimal text).
    static func id(_ value: JSONValue) throws(CollectionError) -> String {
        let id: String
        if let string = value.stringValue {
            id = string
        } else if let integer = value.intValue {
            id = String(integer)
        } else {
            throw .badRequest("id must be a string or an integer")
        }
        guard (1...maxIdLength).contains(id.utf8.count) else {
            throw .badRequest("id must be 1 to \(maxIdLength) bytes long")
        }
        return id
    }

    static func newId() -> String { UUID().uuidString.lowercased() }

    /// ISO 8601 UTC with milliseconds (`2026-12-01T21:10:00.123Z`): fixed width, so text order is time order.
    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `document` keeping only `id` and the values at `fields`, each at its place in the nesting.
    static func project(_ document: JSONValue, onto fields: [FieldPath]) -> JSONValue {
        var members: [String: JSONValue] = [:]
        members["id"] = document["id"]
        for path in fields {
            if let value = value(at: path.segments[...], in: document) {
                insert(value, at: path.segments[...], into: &members)
            }
        }
        return .object(members)
    }

    private static func value(at path: ArraySlice<String>, in value: JSONValue) -> JSONValue? {
        guard let key = path.first else { return value }
        return value[key].flatMap { Self.value(at: path.dropFirst(), in: $0) }
    }

    private static func insert(_ value: JSONValue, at path: ArraySlice<String>, into members: inout [String: JSONValue]) {
        guard let key = path.first else { return }
        guard path.count > 1 else {
            members[key] = value
            return
        }
        var child = members[key]?.objectValue ?? [:]
        insert(value, at: path.dropFirst(), into: &child)
        members[key] = .object(child)
    }

    /// Whether `value` has at most `limit` levels of arrays and objects, as the JSON parser will accept back.
    private static func nests(_ value: JSONValue, within limit: Int) -> Bool {
        switch value {
        case .array(let items): limit > 0 && items.allSatisfy { nests($0, within: limit - 1) }
        case .object(let members): limit > 0 && members.values.allSatisfy { nests($0, within: limit - 1) }
        default: true
        }
    }
}
