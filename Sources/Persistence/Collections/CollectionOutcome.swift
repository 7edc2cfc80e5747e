import JSONCore

/// What one collection operation produced.
public struct CollectionOutcome: Sendable, Equatable {
    /// The JSON result: `{data, meta: {total}}` for find, an item, a count; nil when findOne found nothing.
    public let result: JSONValue?
    /// Set by writes. Inside a transaction a change is only real once the transaction commits: callers collect
    /// them and drop those of a rolled-back transaction or savepoint.
    public let change: CollectionChange?
}
