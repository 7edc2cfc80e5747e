import JSONCore

/// A write that happened, for the caller to announce (change hooks) once the transaction has committed.
public struct CollectionChange: Sendable, Equatable {
    public enum Action: String, Sendable {
        case created, updated, deleted
    }

    /// Which operation made the change: `update` merges and `replace` replaces, both `updated` (protocols such as
    /// Feathers' `patched` / `updated` tell them apart).
    public enum Method: String, Sendable {
        case create, update, replace, delete
    }

    public let collection: String
    public let action: Action
    public let method: Method
    /// The item as stored after the write; for `deleted`, as it was when deleted.
    public let item: JSONValue
    /// The item before an update or replace; nil for `created` and `deleted`.
    public let previous: JSONValue?

    init(collection: String, method: Method, item: JSONValue, previous: JSONValue?) {
        self.collection = collection
        self.method = method
        self.item = item
        self.previous = previous
        action = switch method {
        case .create: .created
        case .update, .replace: .updated
        case .delete: .deleted
        }
    }
}
