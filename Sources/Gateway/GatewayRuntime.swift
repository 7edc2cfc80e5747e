import Foundation
import JSONCore
import Logging
import Persistence
import ScriptSandbox
import ServiceLifecycle
import SocketIO
import Synchronization

/// The gateway pipeline as a service: stored gateways served as Socket.IO namespaces, their connections
/// authenticated and admitted by their connection handler, their events run by Lua handlers through the
/// job queue.
///
/// Reload: ``run()`` reconciles whenever the store's revision changed — checked every
/// ``GatewaySettings/reloadInterval``, or when told (``reloadSoon()``) — : a new or re-enabled gateway gets its
/// namespace, changed scripts apply from the next event, a disabled or deleted gateway's sockets are disconnected
/// with `server namespace disconnect`, on every node of a cluster, and its namespace is removed.
///
/// Shutdown (graceful, from ServiceLifecycle): new connections and events are refused with
/// `SHUTTING_DOWN`, queued and running handlers finish and deliver their outcome within the grace period
/// (the rest get `SHUTTING_DOWN`), then every connection is closed. Register this service after the HTTP
/// server in the service group, so the server still carries the results while the queue drains.
public final class GatewayRuntime: Service, Sendable {
    private let server: SocketIOServer
    private let store: any ConfigStore
    private let pool: ScriptWorkerPool
    private let authenticator: GatewayAuthenticator
    private let services: GatewayServices
    private let hooks: ChangeHooks
    private let settings: GatewaySettings
    private let logger: Logger
    private let gateways = GatewayDirectory()
    private let queue: JobQueue
    private let dispatcher: EventDispatcher
    /// Sockets admitted by their gateway whose CONNECT is being answered, by socket id.
    private let admitting = Mutex<[String: GatewayConnection]>([:])
    private let loadedRevision = Mutex<Int64?>(nil)
    private let accepting = Atomic<Bool>(true)
    /// Reloads asked for and not started yet (at most one waits).
    private let reloads = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    /// Sockets awaiting their recovery, whose disconnect handlers wait for their windows to end.
    private let recoveryWindows: RecoveryWindows

    public init(
        server: SocketIOServer, store: any ConfigStore, pool: ScriptWorkerPool, authenticator: GatewayAuthenticator,
        settings: GatewaySettings = GatewaySettings(), logger: Logger = Logger(label: "gatewayd.gateway")
    ) {
        self.server = server
        self.store = store
        self.pool = pool
        self.authenticator = authenticator
        self.settings = settings
        self.logger = logger
        self.queue = JobQueue(capacity: settings.queueSize, maxPendingBytes: settings.maxQueuedBytes,
                              maxPendingPerLane: settings.maxPendingPerSocket, slowRun: settings.slowHandler, logger: logger)
        self.hooks = ChangeHooks(
            gateways: gateways, queue: queue, pool: pool, push: ServerPush(gateways: gateways),
            store: store.collections, auth: authenticator, settings: settings, logger: logger,
            backlog: ChangeHooks.Backlog(limit: settings.queueSize))
        self.services = GatewayServices(auth: authenticator, hooks: hooks)
        self.dispatcher = EventDispatcher(
            gateways: gateways, queue: queue, pool: pool, services: services, settings: settings, logger: logger)
        let dispatcher = self.dispatcher
        self.recoveryWindows = RecoveryWindows(ended: { dispatcher.dispatchDisconnect(of: $0, reason: $1) })
    }

    /// Server-side pushes to users, rooms, gateways or everyone.
    public var push: ServerPush { ServerPush(gateways: gateways) }

    /// The sockets connected to the gateways on this node.
    public var socketCount: Int { gateways.socketCount }

    /// Asks ``run()`` to check the store's revision now: the config may have changed.
    public func reloadSoon() {
        reloads.continuation.yield()
    }

    /// Runs the change hooks of writes committed outside any handler (the admin API's).
    public func committed(_ changes: [CollectionChange]) {
        hooks.fire(changes, userId: nil, depth: 0)
    }

    /// `DB` for a test run on behalf of `userId`: rolled back unless `commit`, and only then firing the change hooks.
    public func testRunData(commit: Bool, userId: String?) -> CollectionData {
        CollectionData(testRunOn: store.testRunCollections, commit: commit) { [hooks] changes in
            hooks.fire(changes, userId: userId, depth: 0)
        }
    }

    /// Serves the store's gateways now; call before the server accepts connections, so the first clients
    /// find their gateway.
    public func load() async throws {
        try await reloadIfChanged()
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let interval = self.settings.reloadInterval {
                    group.addTask {
                        while (try? await Task.sleep(for: interval)) != nil { self.reloadSoon() }
                    }
                }
                for await _ in self.reloads.stream {
                    do {
                        try await self.reloadIfChanged()
                    } catch is CancellationError {
                        break
                    } catch {
                        self.logger.error("reloading gateways failed; retrying", metadata: ["error": "\(error)"])
                    }
                }
                group.cancelAll()
            }
        }
        await shutDown()
    }

    private func shutDown() async {
        accepting.store(false, ordering: .relaxed)
        // Sessions kept in this process end with it: the sockets that awaited a recovery get their disconnect handlers.
        if !server.sessions.survivesRestart { await recoveryWindows.endAll() }
        let pending = queue.pendingCount
        logger.info("shutting down: finishing queued handlers", metadata: [
            "pending": "\(pending)", "grace": "\(settings.shutdownGrace)",
        ])
        await queue.drain(grace: settings.shutdownGrace, whenGraceEnds: { pool.withdrawQueued() })
        await server.closeAllConnections()
        // In a cluster the sockets leaving now are kept for their clients to recover through another node.
        await server.sessions.flush()
        server.closeAdapters()
        logger.info("gateways stopped")
    }

    // MARK: Reload

    /// Serves the store's newest state if it changed since the last reload. Called by the polling loop and, so that
    /// an admin API change is live before its response is sent, by the admin API; two reloads racing each other
    /// apply their snapshots in revision order (an older one never replaces a newer one).
    public func reloadIfChanged() async throws {
        let revision = try await store.revision()
        guard revision != loadedRevision.withLock({ $0 }) else { return }
        let snapshot = try await store.snapshot()
        loadedRevision.withLock { loaded in
            guard loaded.map({ snapshot.revision > $0 }) ?? true else { return }
            apply(snapshot)
            loaded = snapshot.revision
        }
    }

    private func apply(_ snapshot: ConfigSnapshot) {
        let enabled = snapshot.gateways.filter(\.gateway.enabled)
        let wanted = Set(enabled.map(\.gateway.path))
        for path in gateways.paths.subtracting(wanted).sorted() {
            // Every node's sockets, in case one missed the change; removed from the server first: the disconnect
            // handlers still find the gateway's scripts.
            gateways.namespace(at: path)?.disconnectSockets()
            server.removeNamespace(path)
            gateways.remove(path: path)
            logger.info("gateway stopped", metadata: ["gateway": "\(path)"])
        }
        for stored in enabled {
            let path = stored.gateway.path
            let served = ServedGateway(stored, previous: gateways.gateway(at: path), logger: logger)
            let recovery = stored.gateway.recovery
            let options = recovery.enabled
                ? RecoveryOptions(maxDisconnection: .milliseconds(recovery.maxDisconnectionMs), skipMiddlewares: recovery.skipConnectionHandler)
                : nil
            if let namespace = gateways.namespace(at: path) {
                namespace.recovery = options
                gateways.set(served, namespace: namespace)
            } else {
                let namespace = server.of(path)
                namespace.recovery = options
                configure(namespace)
                gateways.set(served, namespace: namespace)
                logger.info("gateway serving", metadata: ["gateway": "\(path)", "events": "\(served.events.count)"])
            }
        }
    }

    private func configure(_ namespace: Namespace) {
        let path = namespace.name
        namespace.use { [self] socket in try await admit(socket, path: path) }
        namespace.onConnection { [self] socket in connected(socket) }
    }

    // MARK: Connections

    /// Authenticates the socket and runs the connection handler, before the CONNECT is answered.
    private func admit(_ socket: Socket, path: String) async throws(ConnectionRefusal) {
        guard accepting.load(ordering: .relaxed) else {
            throw GatewayAuthenticator.refusal(.shuttingDown, "the server is shutting down")
        }
        guard let gateway = gateways.gateway(at: path) else { throw ConnectionRefusal(message: "Invalid namespace") }
        // A recovered socket (its gateway runs the connection handler again) keeps the user its session had.
        let user = socket.recovered ? LiveSocket.recovered(from: socket.data).user
            : try authenticator.user(for: socket.handshake, requireAuth: gateway.record.requireAuth)
        let connection = GatewayConnection(
            socket: socket, path: path,
            live: LiveSocket(
                socket: socket, user: user, gateways: gateways,
                expiryGrace: settings.authExpiryGrace, logger: logger),
            eventRate: settings.eventRate)
        if gateway.connectionScriptBroken {
            throw ConnectionRefusal(message: "the gateway's connection handler does not compile",
                                    data: ["code": .string(HandlerErrorCode.scriptError.rawValue)])
        }
        if let script = gateway.connectionScript {
            let outcome = try await runConnectionHandler(script, on: connection, timeoutMs: gateway.record.connectionTimeoutMs)
            if case .failure(let failure) = outcome {
                logger.info("connection refused by its handler", metadata: [
                    "gateway": "\(path)", "code": "\(failure.code.rawValue)", "message": "\(failure.message)",
                ])
                var data: [String: JSONValue] = ["code": .string(failure.code.rawValue)]
                if let details = failure.details { data["details"] = details }
                throw ConnectionRefusal(message: failure.message, data: .object(data))
            }
            if connection.live.takeDisconnectRequest() != nil {
                throw ConnectionRefusal(message: "the connection handler refused the connection",
                                        data: ["code": .string(HandlerErrorCode.forbidden.rawValue)])
            }
        }
        admitting.withLock { $0[socket.id] = connection }
    }

    /// Runs the connection handler on the socket's lane of the job queue, like its events: it counts against the
    /// queue's capacity, and a full or closing queue refuses the connection with `QUEUE_FULL` / `SHUTTING_DOWN`.
    private func runConnectionHandler(
        _ script: CompiledScript, on connection: GatewayConnection, timeoutMs: Int
    ) async throws(ConnectionRefusal) -> HandlerOutcome {
        let pool = pool, services = services.forRun(script, user: connection.user), limits = settings.limits(timeoutMilliseconds: timeoutMs)
        let capacity = queue.capacity
        let result: Result<HandlerOutcome, ConnectionRefusal> = await withCheckedContinuation { continuation in
            let job = JobQueue.Job(
                gateway: connection.path, kind: .connection, name: "connection",
                start: { run in
                    pool.submit(
                        script, context: connection.context(for: script, event: "connection", args: []), socket: connection.live,
                        services: services, limits: limits, owner: run
                    ) { outcome in
                        continuation.resume(returning: .success(outcome))
                        run.finished()
                    }
                },
                abandon: {
                    continuation.resume(returning: .failure(GatewayAuthenticator.refusal(.shuttingDown, "the server shut down before the connection handler ran")))
                })
            switch queue.submit(job, lane: connection.socket.id) {
            case .accepted:
                break
            case .queueFull:
                continuation.resume(returning: .failure(GatewayAuthenticator.refusal(
                    .queueFull, "the server's job queue is full (\(capacity) pending runs); retry later")))
            case .queueBytesFull:
                continuation.resume(returning: .failure(GatewayAuthenticator.refusal(.queueFull, queue.bytesFullMessage)))
            case .laneFull:
                continuation.resume(returning: .failure(GatewayAuthenticator.refusal(.tooManyRequests, "this connection has too many runs pending")))
            case .closed:
                continuation.resume(returning: .failure(GatewayAuthenticator.refusal(.shuttingDown, "the server is shutting down")))
            }
        }
        return try result.get()
    }

    /// Right after the CONNECT answer: delivers what the connection handler held back and starts taking events.
    private func connected(_ socket: Socket) {
        guard let connection = admitting.withLock({ $0.removeValue(forKey: socket.id) }) ?? recoveredConnection(socket) else {
            socket.disconnect()
            return
        }
        connection.live.admit()
        GatewayMetrics.shared.connected(gateway: connection.path)
        if socket.recovered, let pid = socket.pid { recoveryWindows.recovered(pid) }
        let dispatcher = dispatcher
        socket.onAny { event in dispatcher.dispatch(event, on: connection) }
        socket.onDisconnect { [self] reason in disconnected(connection, reason: reason) }
    }

    /// A recovered socket whose gateway skips the connection handler: its user and `SOCKET.data` come from its session.
    private func recoveredConnection(_ socket: Socket) -> GatewayConnection? {
        guard socket.recovered else { return nil }
        let path = socket.namespace.name
        return GatewayConnection(
            socket: socket, path: path,
            live: LiveSocket(
                socket: socket, user: LiveSocket.recovered(from: socket.data).user, gateways: gateways,
                expiryGrace: settings.authExpiryGrace, logger: logger),
            eventRate: settings.eventRate)
    }

    /// Runs the disconnect handler after whatever the socket still has queued; for a socket that awaits its recovery,
    /// once the window has ended without one (with the reason it left for).
    private func disconnected(_ connection: GatewayConnection, reason: DisconnectReason) {
        connection.live.detach()
        GatewayMetrics.shared.disconnected(gateway: connection.path, reason: reason.rawValue)
        let socket = connection.socket
        if socket.awaitsRecovery, let window = socket.namespace.recovery?.maxDisconnection {
            recoveryWindows.begin(connection, reason: reason, duration: window)
        } else {
            dispatcher.dispatchDisconnect(of: connection, reason: reason)
        }
    }
}

extension GatewayRuntime {
    /// Records the gauges read from the runtime's state (connections by gateway and transport, queue depth, Lua
    /// memory, config revision, recovery evictions): called as metrics are scraped.
    public func sampleMetrics() {
        var connections: [String: [String: Int]] = [:]
        for path in gateways.paths {
            var byTransport: [String: Int] = [:]
            for socket in gateways.namespace(at: path)?.sockets ?? [] { byTransport[socket.transport, default: 0] += 1 }
            connections[path] = byTransport
        }
        GatewayMetrics.shared.record(GatewayMetrics.Sample(
            connections: connections, queueDepth: queue.pendingCount, luaMemoryBytes: pool.memoryInUse,
            configRevision: loadedRevision.withLock { $0 }, recoveryEvictions: server.sessions.evictions))
    }
}

extension GatewayRuntime {
    /// The sockets connected to the gateway at `path`, on every node; nil when this node does not serve it.
    public func sockets(at path: String) async throws -> [SocketSnapshot]? {
        guard let namespace = gateways.namespace(at: path) else { return nil }
        return try await namespace.all.fetchSockets()
    }

    /// Disconnects the socket `id` of the gateway at `path` wherever it is (`server namespace disconnect`); false when
    /// the gateway has none.
    public func disconnect(socket id: String, at path: String) async throws -> Bool {
        guard let namespace = gateways.namespace(at: path),
              try await !namespace.adapter.sockets(BroadcastOptions(rooms: [id])).isEmpty else { return false }
        namespace.to(id).disconnectSockets()
        return true
    }
}
