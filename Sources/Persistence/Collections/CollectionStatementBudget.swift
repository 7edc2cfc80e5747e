import Synchronization

/// Which collection queries stay prepared in a connection's statement cache: the first ``limit`` distinct
/// SQL texts seen (the shapes an app's handlers use over and over), and no more, because such a cache (GRDB's)
/// never evicts and a script can make any number of distinct shapes (field paths, collection names). Preparing a
/// statement costs more than running a primary-key lookup.
final class CollectionStatementBudget: Sendable {
    static let limit = 256

    private let cached = Mutex<Set<String>>([])

    /// Whether `sql` may be cached.
    func admits(_ sql: String) -> Bool {
        cached.withLock { cached in
            if cached.contains(sql) { return true }
            guard cached.count < Self.limit else { return false }
            cached.insert(sql)
            return true
        }
    }
}
