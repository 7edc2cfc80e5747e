import Logging
import NIOPosix
import PostgresNIO

/// One pooled connection lent to one thread: each statement blocks the calling thread until PostgreSQL answers.
///
/// The blocking rule: a session is used by the synchronous collection API (Lua worker threads, dispatch threads) and
/// by the config store's transactions (on `NIOThreadPool` threads), never on an event-loop thread, where the answer,
/// which arrives on an event loop, could never run (a precondition checks it). postgres-nio's `EventLoopFuture` API
/// is waited on; no Swift task is involved, so no cooperative thread is needed for progress.
///
/// Deadlines become `statement_timeout`, so PostgreSQL itself stops a statement still running at the deadline
/// (SQLSTATE 57014). It is set before a statement when the setting in force is not what is left until the deadline
/// (within ``toleranceMilliseconds``, so most statements need no SET of their own): outside a transaction as the
/// session's setting, inside one with `SET LOCAL`, which the transaction's end undoes. A transaction starts with the
/// session's setting made right for its deadline (none without one); its COMMIT has none.
final class PostgresSession {
    /// How far the `statement_timeout` in force may be from what is left until a statement's deadline.
    static let toleranceMilliseconds = 1

    let connection: PostgresConnection
    let endpoint: String
    let logger: Logger
    /// False once the connection's state is unknown (it failed below SQL, or a transaction could not end): the pool
    /// then closes it instead of lending it again.
    private(set) var isReusable = true
    private(set) var inTransaction = false
    /// The session's own statement_timeout, in milliseconds (0: none).
    private var sessionTimeout = 0
    /// The one in force inside the open transaction; nil when unknown (a savepoint was rolled back).
    private var transactionTimeout: Int?
    /// The lock statements `lockOnce` ran in the open transaction.
    private var locksHeld: Set<String> = []

    init(connection: PostgresConnection, endpoint: String, logger: Logger) {
        self.connection = connection
        self.endpoint = endpoint
        self.logger = logger
    }

    // MARK: Statements

    /// Runs `query` and returns all its rows, stopping it at `deadline`.
    @discardableResult
    func query(_ query: PostgresQuery, deadline: UInt64? = nil) throws -> PostgresQueryResult {
        try limit(to: deadline)
        return try wait(connection.query(query, logger: logger))
    }

    /// Runs `query` and hands `body` its rows one at a time as they arrive (on an event loop, hence `@Sendable`); an
    /// error `body` throws stops the statement and comes out unchanged.
    func forEachRow(_ query: PostgresQuery, deadline: UInt64?, _ body: @escaping @Sendable (PostgresRow) throws -> Void) throws {
        try limit(to: deadline)
        _ = try wait(connection.query(query, logger: logger, body))
    }

    // MARK: Transactions

    /// Runs `body` in a transaction that commits when it returns and `commit` is true, and rolls back otherwise.
    /// `begin` is the statement that opens it (its isolation level). Errors `body` throws come out unchanged.
    func transaction<T>(_ begin: String = "BEGIN", deadline: UInt64?, commit: Bool = true, _ body: () throws -> T) throws -> T {
        precondition(!inTransaction, "PostgreSQL transactions do not nest; use a savepoint")
        try limit(to: deadline)
        try execute(begin)
        inTransaction = true
        transactionTimeout = sessionTimeout
        let result: T
        do {
            result = try body()
        } catch {
            end("ROLLBACK")
            throw error
        }
        if commit {
            do {
                // A body that returned commits, as on SQLite, however little is left until the deadline.
                if transactionTimeout != 0 { try execute("SET LOCAL statement_timeout = 0") }
                try execute("COMMIT")
            } catch {
                end("ROLLBACK")
                throw error
            }
            inTransaction = false
            locksHeld = []
        } else {
            end("ROLLBACK")
        }
        return result
    }

    /// Runs `statement`, which takes a lock held until the transaction ends, unless it already ran in this
    /// transaction.
    func lockOnce(_ statement: PostgresQuery, deadline: UInt64?) throws {
        precondition(inTransaction, "a transaction-level lock needs an open transaction")
        guard !locksHeld.contains(statement.sql) else { return }
        try query(statement, deadline: deadline)
        locksHeld.insert(statement.sql)
    }

    /// Runs `body` in a savepoint of the open transaction: undone if it throws (its error comes out unchanged), kept
    /// as part of the transaction otherwise.
    func savepoint<T>(deadline: UInt64?, _ body: () throws -> T) throws -> T {
        precondition(inTransaction, "a savepoint needs an open transaction")
        try CollectionDeadline.check(deadline)
        try execute("SAVEPOINT gatewayd")
        let result: T
        do {
            result = try body()
        } catch {
            // Also what undoes a failed statement, which would otherwise leave the transaction refusing every other.
            do {
                try execute("ROLLBACK TO SAVEPOINT gatewayd")
                try execute("RELEASE SAVEPOINT gatewayd")
            } catch {
                isReusable = false
            }
            // The rollback undid any SET LOCAL made inside the savepoint, and released the locks taken there.
            transactionTimeout = nil
            locksHeld = []
            throw error
        }
        try execute("RELEASE SAVEPOINT gatewayd")
        return result
    }

    /// Ends the open transaction with `statement` (ROLLBACK), as best it can: a connection it cannot end one on is
    /// not lent again.
    private func end(_ statement: String) {
        do {
            try execute(statement)
        } catch {
            isReusable = false
        }
        inTransaction = false
        transactionTimeout = nil
        locksHeld = []
    }

    // MARK: Deadlines

    /// Sets `statement_timeout` to what is left until `deadline` (none without one) unless the setting in force
    /// already says so. A deadline already passed fails at once.
    private func limit(to deadline: UInt64?) throws {
        let wanted: Int
        if let deadline {
            let now = CollectionDeadline.now()
            guard deadline > now else { throw CollectionError.deadlinePassed }
            wanted = Int(min((deadline - now + 999_999) / 1_000_000, UInt64(Int32.max)))
        } else {
            wanted = 0
        }
        let inForce = inTransaction ? transactionTimeout : sessionTimeout
        if let inForce, wanted == 0 ? inForce == 0 : inForce != 0 && abs(inForce - wanted) <= Self.toleranceMilliseconds {
            return
        }
        if inTransaction {
            try execute("SET LOCAL statement_timeout = \(wanted)")
            transactionTimeout = wanted
        } else {
            try execute("SET statement_timeout = \(wanted)")
            sessionTimeout = wanted
        }
    }

    /// Runs a statement that takes no values and needs no timeout of its own (transaction control, settings).
    func execute(_ statement: String) throws {
        _ = try wait(connection.query(PostgresQuery(unsafeSQL: statement), logger: logger))
    }

    // MARK: Waiting

    /// Blocks until `future` completes; a failure below SQL marks the connection unusable.
    private func wait<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        precondition(
            MultiThreadedEventLoopGroup.currentEventLoop == nil,
            "a PostgreSQL session blocks its thread, which must not be an event loop's")
        do {
            return try future.wait()
        } catch let error as CollectionError {
            throw error
        } catch {
            let failure = PostgresStorageError(error, at: endpoint)
            if !failure.leavesConnectionUsable { isReusable = false }
            throw failure
        }
    }
}
