/// Collection operations inside a transaction the store has open. Valid only during the `transaction` or
/// `savepoint` body it is passed to, on that thread.
public protocol CollectionSession {
    func perform(_ request: CollectionRequest) throws(CollectionError) -> CollectionOutcome

    /// Runs `body` in a savepoint: what it wrote is rolled back if it throws (its error comes out unchanged),
    /// kept as part of the enclosing transaction otherwise.
    func savepoint<T>(_ body: (any CollectionSession) throws -> T) throws -> T
}
