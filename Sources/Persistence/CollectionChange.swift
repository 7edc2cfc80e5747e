import JSONCore

/// A write that happened, for the caller to announce (change hooks) once the transaction has committed.
public struct CollectionChange: Sendable, Equatable {
    public enum Action: String, Sendable {
        case created, updated, deleted
    }

    public let collection: String
    public let action: Action
    /// The item as stored after the write; for `deleted`, as it was when deleted.
    public let item: JSONValue
    /// The item before an update or replace; nil for `created` and `deleted`.
    public let previous: JSONValue?
}
