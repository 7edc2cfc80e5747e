import Dispatch
import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// One pooled connection lent to one thread: each statement blocks the calling thread until PostgreSQL answers.
///
/// The blocking rule: a session is used by the synchronous collection API (Lua worker threads, dispatch threads) and
/// by the config store's transactions (on `NIOThreadPool` threads), never on an event-loop thread, where the answer,
/// which arrives on an event loop, could never run (a precondition checks it). postgres-nio's `EventLoopFuture` API
/// is used; no Swift task is involved, so no cooperative thread is needed for progress.
///
/// Statements whose answer nobody waits for (a `SET statement_timeout`, `BEGIN`, the write lock, the `SET` before
/// `COMMIT`) are not sent on their own: they go with the next statement that is waited for, in one hop to the event
/// loop, and that wait is for all of them, in order, the first failure coming out. postgres-nio still runs them one
/// after another, but the blocked thread wakes once. Whatever was held back is sent before the connection is
/// handed back or a transaction ends.
///
/// Deadlines become `statement_timeout`, so PostgreSQL itself stops a statement still running at the deadline
/// (SQLSTATE 57014). It is set before a statement when the setting in force does not suit what is left until the
/// deadline (see ``suits(_:_:)``, so most statements need no SET of their own): outside a transaction as the
/// session's setting, inside one with `SET LOCAL`, which the transaction's end undoes. A transaction starts with the
/// session's setting made right for its deadline (none without one); its COMMIT has none, or one too long to stop it
/// (``enoughForCommit``). The session's setting is the connection's: the pool keeps it with the idle connection for
/// the next borrower.
final class PostgresSession {
    /// A statement_timeout (ms) that COMMIT is left with: a cancel can stop a COMMIT only before it holds interrupts
    /// off for the commit record's flush, and what comes before that is next to nothing in these transactions (no
    /// deferred constraints or triggers, no temporary tables); a cancel while it waits for a synchronous standby
    /// only warns. A shorter one is lifted with `SET LOCAL statement_timeout = 0` first.
    static let enoughForCommit = 1_000

    let connection: PostgresConnection
    let endpoint: String
    let logger: Logger
    /// False once the connection's state is unknown (it failed below SQL, or a transaction could not end).
    private var usable = true
    private(set) var inTransaction = false
    /// The session's own statement_timeout, in milliseconds (0: none); nil when unknown (a statement failed, so a SET
    /// sent with it may not have been made).
    private(set) var sessionTimeout: Int?
    /// The one in force inside the open transaction; nil when unknown (a savepoint was rolled back, a statement
    /// failed).
    private var transactionTimeout: Int?
    /// What the open transaction holds until it ends, or until a savepoint it was taken in is rolled back: the
    /// statements `lockOnce` ran, and what callers noted with `noteHeld`.
    private var held: Set<String> = []
    /// Statements sent with the next one waited for.
    private var heldBack: [PostgresQuery] = []

    /// A session on `connection`, whose session-level statement_timeout is `statementTimeout` (nil: unknown).
    init(connection: PostgresConnection, endpoint: String, logger: Logger, statementTimeout: Int? = 0) {
        self.connection = connection
        self.endpoint = endpoint
        self.logger = logger
        sessionTimeout = statementTimeout
    }

    /// Whether the pool may lend the connection again: its state is known, nothing is held back, no transaction is
    /// open. Otherwise it is closed.
    var isReusable: Bool { usable && heldBack.isEmpty && !inTransaction }

    // MARK: Statements

    /// Runs `query` and returns all its rows, stopping it at `deadline`.
    @discardableResult
    func query(_ query: PostgresQuery, deadline: UInt64? = nil) throws -> PostgresQueryResult {
        try limit(to: deadline)
        return try waitedFor(.rows(query))!
    }

    /// Runs `query` and hands `body` its rows one at a time as they arrive (on an event loop, hence `@Sendable`); an
    /// error `body` throws stops the statement and comes out unchanged.
    func forEachRow(_ query: PostgresQuery, deadline: UInt64?, _ body: @escaping @Sendable (PostgresRow) throws -> Void) throws {
        try limit(to: deadline)
        _ = try waitedFor(.each(query, body))
    }

    /// Runs a statement that takes no values and needs no timeout of its own (transaction control, settings).
    func execute(_ statement: String) throws {
        _ = try waitedFor(.rows(PostgresQuery(unsafeSQL: statement)))
    }

    /// Sends what is held back and waits for it: its first failure comes out.
    func flush() throws {
        guard let last = heldBack.popLast() else { return }
        _ = try waitedFor(.rows(last))
    }

    /// Holds `statement` back, to be sent with the next statement waited for.
    private func holdBack(_ statement: PostgresQuery) {
        heldBack.append(statement)
    }

    // MARK: Transactions

    /// Runs `body` in a transaction that commits when it returns and `commit` is true, and rolls back otherwise.
    /// `begin` is the statement that opens it (its isolation level), sent with the body's first statement (`flush`
    /// sends it at once). Errors `body` throws come out unchanged.
    func transaction<T>(_ begin: String = "BEGIN", deadline: UInt64?, commit: Bool = true, _ body: () throws -> T) throws -> T {
        precondition(!inTransaction, "PostgreSQL transactions do not nest; use a savepoint")
        try limit(to: deadline)
        holdBack(PostgresQuery(unsafeSQL: begin))
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
                switch transactionTimeout {
                case 0?: break
                case let timeout? where timeout >= Self.enoughForCommit: break
                default: holdBack("SET LOCAL statement_timeout = 0")
                }
                let answer = try waitedFor(.rows("COMMIT"))
                // A transaction a statement failed in ends with COMMIT's "ROLLBACK" and no error: it must not pass
                // for committed (a caller may have caught that statement's error and returned).
                guard answer?.metadata.command == "COMMIT" else {
                    throw PostgresStorageError(
                        sqlState: PostgresStorageError.inFailedTransaction,
                        "PostgreSQL at \(endpoint): a statement of the transaction had failed, so COMMIT rolled it back")
                }
            } catch {
                end("ROLLBACK")
                throw error
            }
            inTransaction = false
            transactionTimeout = nil
            held = []
        } else {
            end("ROLLBACK")
        }
        return result
    }

    /// Takes the lock `statement` takes, held until the transaction ends, unless it already did in this
    /// transaction. The statement goes with the next one waited for: that one's wait is for the lock too, and the
    /// lock's failure (its deadline passed while another writer held it) comes out there.
    func lockOnce(_ statement: PostgresQuery, deadline: UInt64?) throws {
        precondition(inTransaction, "a transaction-level lock needs an open transaction")
        guard !held.contains(statement.sql) else { return }
        try limit(to: deadline)
        holdBack(statement)
        held.insert(statement.sql)
    }

    /// Whether the open transaction holds `what`, as noted by `noteHeld`.
    func holds(_ what: String) -> Bool {
        held.contains(what)
    }

    /// Notes that the open transaction holds `what` (a lock on a row) until it ends, unless the savepoint it was
    /// taken in is rolled back.
    func noteHeld(_ what: String) {
        precondition(inTransaction, "only a transaction holds anything")
        held.insert(what)
    }

    /// Runs `body` in a savepoint of the open transaction: undone if it throws (its error comes out unchanged), kept
    /// as part of the transaction otherwise. The savepoint exists (and what was held back has answered) before
    /// `body` runs.
    func savepoint<T>(deadline: UInt64?, _ body: () throws -> T) throws -> T {
        precondition(inTransaction, "a savepoint needs an open transaction")
        try CollectionDeadline.check(deadline)
        try execute("SAVEPOINT gatewayd")
        let result: T
        do {
            result = try body()
        } catch {
            // Also what undoes a failed statement, which would otherwise leave the transaction refusing every other.
            let answers = exchange([.rows("ROLLBACK TO SAVEPOINT gatewayd"), .rows("RELEASE SAVEPOINT gatewayd")]).answers
            if answers.contains(where: { if case .failure = $0 { true } else { false } }) { usable = false }
            // The rollback undid any SET LOCAL made inside the savepoint, and released the locks taken there.
            transactionTimeout = nil
            held = []
            throw error
        }
        try execute("RELEASE SAVEPOINT gatewayd")
        return result
    }

    /// Ends the open transaction with `statement` (ROLLBACK), as best it can: a connection it cannot end one on is
    /// not lent again. What was held back goes first; its failures are the transaction's, which this ends.
    private func end(_ statement: String) {
        if case .failure = exchange([.rows(PostgresQuery(unsafeSQL: statement))]).answers[0] { usable = false }
        inTransaction = false
        transactionTimeout = nil
        held = []
    }

    // MARK: Deadlines

    /// Sets `statement_timeout` to what is left until `deadline` (none without one) unless the setting in force
    /// already suits it; the SET goes with the statement it is for. A deadline already passed fails at once.
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
        if let inForce, Self.suits(inForce, wanted) { return }
        if inTransaction {
            holdBack(PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(wanted)"))
            transactionTimeout = wanted
        } else {
            holdBack(PostgresQuery(unsafeSQL: "SET statement_timeout = \(wanted)"))
            sessionTimeout = wanted
        }
    }

    /// Whether a statement_timeout of `inForce` ms may stand for a statement `wanted` ms from its deadline (0: none):
    /// it stops the statement at most 1 ms before the deadline (as rounding to ms does anyway) and at most 1% of
    /// `wanted` (at least 1 ms) after it. So a deadline seconds away is not set again before each statement as time
    /// passes, and one close by is kept to the ms.
    static func suits(_ inForce: Int, _ wanted: Int) -> Bool {
        if wanted == 0 || inForce == 0 { return inForce == wanted }
        return inForce >= wanted - 1 && inForce - wanted <= max(1, wanted / 100)
    }

    // MARK: Waiting

    /// A statement to run: its rows collected, or handed one at a time to a closure.
    private enum Statement: Sendable {
        case rows(PostgresQuery)
        case each(PostgresQuery, @Sendable (PostgresRow) throws -> Void)

        /// Starts it on `connection`, on its event loop: the rows, or nil for `each`.
        func start(on connection: PostgresConnection, logger: Logger) -> EventLoopFuture<PostgresQueryResult?> {
            switch self {
            case .rows(let query): connection.query(query, logger: logger).map { $0 }
            case .each(let query, let body): connection.query(query, logger: logger, body).map { _ in nil }
            }
        }
    }

    /// Sends what is held back and then `statement`, waits for all of them, and returns `statement`'s answer; the
    /// first failure among them all comes out.
    private func waitedFor(_ statement: Statement) throws -> PostgresQueryResult? {
        let (before, answers) = exchange([statement])
        if let before { throw before }
        return try answers[0].get()
    }

    /// Sends what is held back and then `statements`, in one hop to the event loop, and blocks until every one has
    /// answered: the first failure of those held back, and each of `statements`' answers. A failure below SQL marks
    /// the connection unusable; any failure makes the statement_timeouts in force unknown.
    private func exchange(_ statements: [Statement]) -> (before: (any Error)?, answers: [Result<PostgresQueryResult?, any Error>]) {
        precondition(
            MultiThreadedEventLoopGroup.currentEventLoop == nil,
            "a PostgreSQL session blocks its thread, which must not be an event loop's")
        let all = heldBack.map(Statement.rows) + statements
        heldBack.removeAll(keepingCapacity: true)
        let exchange = Exchange(count: all.count)
        let connection = connection
        let logger = logger
        connection.eventLoop.execute {
            for (index, statement) in all.enumerated() {
                statement.start(on: connection, logger: logger).whenComplete { exchange.answer(index, $0) }
            }
        }
        let answers = exchange.wait().map { $0.mapError(failure) }
        if answers.contains(where: { if case .failure = $0 { true } else { false } }) {
            sessionTimeout = nil
            transactionTimeout = nil
        }
        let held = answers.count - statements.count
        let before = answers[..<held].lazy.compactMap { if case .failure(let error) = $0 { error } else { nil } }.first
        return (before, Array(answers[held...]))
    }

    /// `error` as it comes out: an error a row closure threw unchanged, anything else as a `PostgresStorageError`;
    /// one below SQL marks the connection unusable.
    private func failure(_ error: any Error) -> any Error {
        if let error = error as? CollectionError { return error }
        let failure = PostgresStorageError(error, at: endpoint)
        if !failure.leavesConnectionUsable { usable = false }
        return failure
    }
}

/// The answers to statements sent together, which arrive on the event loop, for the thread that waits for them all.
private final class Exchange: Sendable {
    private let answers: Mutex<(results: [Result<PostgresQueryResult?, any Error>?], left: Int)>
    private let done = DispatchSemaphore(value: 0)

    init(count: Int) {
        answers = Mutex((Array(repeating: nil, count: count), count))
    }

    func answer(_ index: Int, _ result: Result<PostgresQueryResult?, any Error>) {
        let last = answers.withLock { answers in
            answers.results[index] = result
            answers.left -= 1
            return answers.left == 0
        }
        if last { done.signal() }
    }

    /// Blocks until every statement has answered.
    func wait() -> [Result<PostgresQueryResult?, any Error>] {
        done.wait()
        return answers.withLock { $0.results.map { $0! } }
    }
}
