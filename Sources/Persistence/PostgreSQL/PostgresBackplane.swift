import Logging
import Synchronization

/// The backplane on PostgreSQL: ``PostgresMessageBus`` and ``PostgresNodeRegistry`` over the config store's pool, and
/// ``PostgresRecoverySessions`` over the config store's pool, and one listening connection (``PostgresListener``) for
/// the bus, the registry's news and the config trigger's.
///
/// Heartbeats run every ``ClusterTiming/heartbeatInterval``; each also deletes the bus's old attachment rows and the
/// recovery sessions that stopped nodes left behind, and starts the windows of the connected sockets of nodes gone. A
/// heartbeat that fails is logged once per outage: the node keeps serving its own sockets meanwhile.
final class PostgresBackplane: Backplane {
    let postgresBus: PostgresMessageBus
    let postgresRegistry: PostgresNodeRegistry
    let recoverySessions: any RecoverySessionTable
    private let listener: PostgresListener
    private let pool: PostgresConnectionPool
    private let timing: ClusterTiming
    private let logger: Logger
    private let heartbeating = Mutex<Task<Void, Never>?>(nil)
    private let connected = Atomic<Bool>(true)

    var bus: any MessageBus { postgresBus }
    var registry: any NodeRegistry { postgresRegistry }
    var isConnected: Bool { connected.load(ordering: .relaxed) }

    init(pool: PostgresConnectionPool, node: String, timing: ClusterTiming, logger: Logger) async throws {
        self.pool = pool
        self.timing = timing
        self.logger = logger
        let channels = try await pool.offload(PostgresChannels.read)
        listener = try await PostgresListener(url: pool.url, logger: logger)
        postgresBus = PostgresMessageBus(sender: node, channels: channels, pool: pool, listener: listener, logger: logger)
        postgresRegistry = PostgresNodeRegistry(node: node, expiry: timing.nodeExpiry, channels: channels)
        let sessions = PostgresRecoverySessions(pool: pool)
        recoverySessions = sessions
        // Before this node serves: its previous run's connected sockets are gone.
        try await sessions.release(node: node)
        try await listener.listen(channels.registry) { [self] _ in await refreshRegistry() }
        listener.onReconnect { [self] in Task { await refreshRegistry() } }
    }

    func onConfigChange(_ changed: @escaping @Sendable () -> Void) async throws {
        try await listener.listen(postgresBus.channels.config) { _ in changed() }
        listener.onReconnect(changed)
    }

    func join(address: String, sockets: @escaping @Sendable () -> Int) async {
        postgresRegistry.serve(at: address, sockets: sockets)
        let first = await beat(failing: false)
        let task = Task { [self] in await heartbeats(failing: first) }
        heartbeating.withLock { $0 = task }
    }

    func close() async {
        if let task = heartbeating.withLock({ $0 }) {
            task.cancel()
            await task.value
            do {
                try await pool.offload(postgresRegistry.leave)
            } catch {
                logger.warning("leaving the cluster's registry failed: the others drop this node when it expires", metadata: [
                    "error": "\(error)",
                ])
            }
        }
        await postgresBus.flush()
        await listener.close()
    }

    // MARK: Heartbeats

    /// Beats every interval until cancelled; `failing`: the last beat failed.
    private func heartbeats(failing: Bool) async {
        var failing = failing
        while true {
            do {
                try await Task.sleep(for: timing.heartbeatInterval)
            } catch {
                return
            }
            failing = await beat(failing: failing)
        }
    }

    /// Writes a heartbeat, and deletes the bus's old attachment rows and the recovery sessions left behind; whether it
    /// failed. A failure is logged once per
    /// outage.
    private func beat(failing: Bool) async -> Bool {
        do {
            try await pool.offload { [postgresRegistry, timing] session in
                try postgresRegistry.beat(session)
                try PostgresMessageBus.purgeAttachments(olderThan: timing.attachmentRetention, on: session)
                try PostgresRecoverySessions.purgeExpired(on: session)
                try PostgresRecoverySessions.releaseStoppedNodes(on: session)
            }
            if failing { logger.notice("cluster heartbeats reach PostgreSQL again") }
            connected.store(true, ordering: .relaxed)
            return false
        } catch {
            if !failing {
                logger.error("cluster heartbeat failed: this node keeps serving its own sockets, and retries", metadata: [
                    "error": "\(error)",
                ])
            }
            connected.store(false, ordering: .relaxed)
            return true
        }
    }

    private func refreshRegistry() async {
        do {
            try await pool.offload(postgresRegistry.refresh)
        } catch is CancellationError {
            // The node is stopping.
        } catch {
            logger.warning("reading the cluster's registry failed; the next heartbeat reads it", metadata: ["error": "\(error)"])
        }
    }
}
