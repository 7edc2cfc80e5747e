import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The one connection a node LISTENs on, kept open: notifications reach their channel's handler one at a time, in the
/// order the server sent them, whatever their channels.
///
/// When the connection is lost (the server restarted, the network failed) it is logged and a new one is made, after
/// 0.1 s and then twice as long after each failure, up to 5 s; every channel is listened to again, and then the
/// reconnect handlers run: what was notified meanwhile is lost, and they catch up.
final class PostgresListener: Sendable {
    typealias Handler = @Sendable (_ payload: String) async -> Void

    private enum Event {
        case notification(channel: String, payload: String)
        case reconnected
    }

    private struct State {
        var handlers: [String: Handler] = [:]
        var reconnectHandlers: [@Sendable () -> Void] = []
        /// Nil while reconnecting.
        var connection: PostgresConnection?
        /// The LISTENs on `connection`, by channel.
        var listening: [String: PostgresListenContext] = [:]
        var closed = false
        var tasks: [Task<Void, Never>] = []
    }

    static let firstRetry: Duration = .milliseconds(100)
    static let longestRetry: Duration = .seconds(5)

    private let url: PostgresURL
    private let logger: Logger
    private let state = Mutex(State())
    private let events: AsyncStream<Event>.Continuation
    private let nextID = Atomic<Int>(1)

    /// Connects, failing as the stores do when the server cannot be reached.
    init(url: PostgresURL, logger: Logger) async throws {
        self.url = url
        self.logger = logger
        let (stream, events) = AsyncStream.makeStream(of: Event.self)
        self.events = events
        let connection = try await connect()
        state.withLock { $0.connection = connection }
        let deliver = Task { [self] in
            for await event in stream { await handle(event) }
        }
        let reconnect = Task { [self] in await supervise(connection) }
        state.withLock { $0.tasks = [deliver, reconnect] }
    }

    /// Hands `channel`'s notifications to `handler` from the moment this returns (the server runs the LISTEN first).
    func listen(_ channel: String, _ handler: @escaping Handler) async throws {
        let connection = state.withLock { state -> PostgresConnection? in
            state.handlers[channel] = handler
            guard let connection = state.connection, state.listening[channel] == nil else { return nil }
            state.listening[channel] = addListener(channel, on: connection)
            return connection
        }
        // A connection runs its commands in order: once this answers, the LISTEN before it is in force.
        if let connection { try await ready(connection) }
    }

    /// Stops handing `channel`'s notifications over.
    func unlisten(_ channel: String) {
        let listening = state.withLock { state in
            state.handlers[channel] = nil
            return state.listening.removeValue(forKey: channel)
        }
        listening?.stop()
    }

    /// Calls `handler` each time the connection is back after being lost.
    func onReconnect(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.reconnectHandlers.append(handler) }
    }

    /// Stops listening and closes the connection; handlers are not called once this returns.
    func close() async {
        let (connection, tasks) = state.withLock { state in
            state.closed = true
            state.handlers = [:]
            return (state.connection, state.tasks)
        }
        events.finish()
        for task in tasks { task.cancel() }
        try? await connection?.close()
        for task in tasks { await task.value }
    }

    // MARK: The connection

    private func connect() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: url.configuration,
                id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, logger: logger)
        } catch {
            throw PostgresStorageError(connectingFailed: error, to: url.endpoint)
        }
    }

    private func ready(_ connection: PostgresConnection) async throws {
        do {
            try await connection.query("SELECT 1", logger: logger)
        } catch {
            throw PostgresStorageError(error, at: url.endpoint)
        }
    }

    /// On the connection's event loop, in the order the server sent them: queued for `handle`, in that order.
    private func addListener(_ channel: String, on connection: PostgresConnection) -> PostgresListenContext {
        connection.addListener(channel: channel) { [events] _, notification in
            events.yield(.notification(channel: notification.channel, payload: notification.payload))
        }
    }

    /// Waits for the connection to close and makes a new one, until closed.
    private func supervise(_ first: PostgresConnection) async {
        var connection = first
        while true {
            try? await connection.closeFuture.get()
            guard state.withLock({ state in
                state.connection = nil
                state.listening = [:]
                return !state.closed
            }) else { return }
            logger.warning("lost the PostgreSQL connection that listens for the cluster's notifications; reconnecting",
                           metadata: ["database": "\(url.endpoint)"])
            guard let next = await reconnect() else { return }
            connection = next
        }
    }

    /// A new connection listening to every channel, or nil once closed.
    private func reconnect() async -> PostgresConnection? {
        var delay = Self.firstRetry
        while true {
            do {
                try await Task.sleep(for: delay)
            } catch {
                return nil
            }
            do {
                let connection = try await connect()
                guard try await install(connection) else { return nil }
                logger.notice("listening for the cluster's notifications again", metadata: ["database": "\(url.endpoint)"])
                events.yield(.reconnected)
                return connection
            } catch {
                logger.warning("reconnecting to PostgreSQL failed; retrying", metadata: [
                    "database": "\(url.endpoint)", "error": "\(error)", "retry": "\(delay)",
                ])
                delay = min(delay * 2, Self.longestRetry)
            }
        }
    }

    /// Listens to every channel on `connection` and makes it the listener's; false (and closed) once the listener is.
    private func install(_ connection: PostgresConnection) async throws -> Bool {
        let installed = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.connection = connection
            for channel in state.handlers.keys { state.listening[channel] = addListener(channel, on: connection) }
            return true
        }
        do {
            if installed { try await ready(connection) }
        } catch {
            state.withLock { state in
                state.connection = nil
                state.listening = [:]
            }
            try? await connection.close()
            throw error
        }
        if !installed { try? await connection.close() }
        return installed
    }

    // MARK: Delivery

    private func handle(_ event: Event) async {
        switch event {
        case .notification(let channel, let payload):
            guard let handler = state.withLock({ $0.handlers[channel] }) else { return }
            await handler(payload)
        case .reconnected:
            for handler in state.withLock({ $0.reconnectHandlers }) { handler() }
        }
    }
}
