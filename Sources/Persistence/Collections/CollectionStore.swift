/// Collections of JSON documents in the config database, for handler scripts (`DB`) and the admin API.
///
/// Synchronous on purpose: the caller is a Lua worker thread (or a thread the admin API offloads to) that waits
/// for each call, never an async task. Every entry point for scripts takes a deadline (`CLOCK_MONOTONIC`
/// nanoseconds, see `CollectionDeadline`) that the database enforces while it runs.
public protocol CollectionStore: Sendable {
    /// One operation in its own transaction.
    func perform(_ request: CollectionRequest, deadline: UInt64?) throws(CollectionError) -> CollectionOutcome

    /// Runs `body` with one write transaction open, which commits when `body` returns and `commit` is true and
    /// rolls back when it throws or `commit` is false (a test run). Errors `body` throws come out unchanged;
    /// the store's own failures are `CollectionError`s.
    func transaction<T>(deadline: UInt64?, commit: Bool, _ body: (any CollectionSession) throws -> T) throws -> T

    // MARK: Administration, without a deadline.

    /// Every collection, by name.
    func listCollections() throws(CollectionError) -> [CollectionSummary]

    /// Deletes a collection, its items and its indexes; returns how many items it had.
    @discardableResult
    func dropCollection(_ name: String) throws(CollectionError) -> Int

    /// Creates (if needed) an index per field path, so that `_eq` and `_null` filters on it need not scan, and
    /// the collection if it does not exist yet. Returns every path now declared for the collection.
    @discardableResult
    func declareIndexes(collection: String, fields: [String]) throws(CollectionError) -> [String]
}

extension CollectionStore {
    /// A transaction that commits when `body` returns.
    public func transaction<T>(deadline: UInt64?, _ body: (any CollectionSession) throws -> T) throws -> T {
        try transaction(deadline: deadline, commit: true, body)
    }
}
