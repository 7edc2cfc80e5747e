import Dispatch
import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// Connections to one PostgreSQL database, lent one at a time to the thread that needs one (see `PostgresSession`
/// for the blocking rule): at most ``size`` open at once, made when first needed and kept for the next borrower.
///
/// A connection is lent for a whole transaction, so a transaction's statements all run on it. A connection that
/// failed below SQL, or was closed (the server restarted), is dropped, and the next borrower gets a new one: a
/// server that comes back is used again without a restart.
final class PostgresConnectionPool: Sendable {
    /// Enough for every Lua worker to hold a transaction and the admin API and config reloads to go on beside them,
    /// with several nodes well inside PostgreSQL's default of 100 connections.
    static let size = 16
    /// The longest a borrower without a deadline waits for a connection.
    static let waitWithoutDeadline: Duration = .seconds(30)

    let url: PostgresURL
    private let logger: Logger
    private let permits = DispatchSemaphore(value: size)
    private let idle = Mutex<[Idle]>([])
    private let nextID = Atomic<Int>(1)

    init(url: PostgresURL, logger: Logger = Logger(label: "gatewayd.postgres")) {
        self.url = url
        self.logger = logger
    }

    /// A connection waiting for its next borrower, with its session's statement_timeout (nil: unknown), which a
    /// deadline earlier borrowers had may have set.
    private struct Idle: Sendable {
        let connection: PostgresConnection
        let statementTimeout: Int?
    }

    deinit {
        for waiting in idle.withLock({ $0 }) { Self.closeInBackground(waiting.connection) }
    }

    /// Runs `body` with a connection of its own, waiting for one until `deadline` (or ``waitWithoutDeadline``).
    func withSession<T>(deadline: UInt64?, _ body: (PostgresSession) throws -> T) throws -> T {
        let wait: DispatchTimeInterval
        if let deadline {
            try CollectionDeadline.check(deadline)
            let now = CollectionDeadline.now()
            wait = .nanoseconds(Int(clamping: deadline > now ? deadline - now : 0))
        } else {
            wait = .seconds(Int(Self.waitWithoutDeadline.components.seconds))
        }
        guard permits.wait(timeout: .now() + wait) == .success else {
            if let deadline, CollectionDeadline.hasPassed(deadline) { throw CollectionError.deadlinePassed }
            throw PostgresStorageError("PostgreSQL at \(url.endpoint): all \(Self.size) connections stayed busy")
        }
        defer { permits.signal() }
        let lent = try connection()
        let session = PostgresSession(connection: lent.connection, endpoint: url.endpoint, logger: logger, statementTimeout: lent.statementTimeout)
        defer {
            if session.isReusable, !session.connection.isClosed {
                idle.withLock { $0.append(Idle(connection: session.connection, statementTimeout: session.sessionTimeout)) }
            } else {
                Self.closeInBackground(session.connection)
            }
        }
        return try body(session)
    }

    /// Runs `work` with a connection of its own on a thread that may block, while the caller's task suspends.
    func offload<T: Sendable>(_ work: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { [self] in
            try withSession(deadline: nil, work)
        }
    }

    /// Closes the idle connections: for a store that is done with (tests, a CLI command).
    func close() {
        let connections = idle.withLock { idle in
            defer { idle.removeAll() }
            return idle
        }
        for waiting in connections {
            let closed: EventLoopFuture<Void> = waiting.connection.close()
            try? closed.wait()
        }
    }

    /// Closes `connection` without waiting for it, keeping it alive until it is closed (postgres-nio requires it).
    private static func closeInBackground(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        closed.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// An idle connection that is still open, or a new one (whose statement_timeout is taken to be 0, none,
    /// PostgreSQL's default).
    private func connection() throws -> Idle {
        while let waiting = idle.withLock({ $0.popLast() }) {
            if !waiting.connection.isClosed { return waiting }
        }
        precondition(MultiThreadedEventLoopGroup.currentEventLoop == nil, "connecting blocks; not on an event loop")
        let future = PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: url.configuration,
            id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, logger: logger)
        do {
            return Idle(connection: try future.wait(), statementTimeout: 0)
        } catch {
            throw PostgresStorageError(connectingFailed: error, to: url.endpoint)
        }
    }
}
