import CoreMetrics
import EngineIO
import JSONCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The adapter of one namespace on one node of a cluster (socket.io's `ClusterAdapterWithHeartbeat`): this node's
/// rooms and sockets in an ``InMemoryAdapter``, and everything the other nodes must know as ``ClusterMessage``s over a
/// ``ClusterTransport``.
///
/// Broadcasts, joins, leaves and disconnects act here at once, synchronously as with one process, and are published
/// for the other nodes to act on their own sockets; nothing waits for them. A broadcast's packet is encoded once, for
/// this node's sockets and the message alike. The ``BroadcastFlags/local`` flag (a socket's own emits) publishes
/// nothing.
///
/// What needs the other nodes' answers is a request: it waits for the nodes alive when it was sent until each
/// answered, left (ADAPTER_CLOSE) or went silent, or until ``ClusterAdapterOptions/requestTimeout``. On a timeout,
/// the calls that return a list (``fetchSockets(_:)``, ``sockets(_:)``) throw ``ClusterRequestTimeout``; those that
/// return counts or answers (``roomSize(_:)``, ``broadcastCounting(_:options:)``, ``serverSideEmitWithAck(_:args:timeout:)``)
/// return what came and log a warning naming the silent nodes.
///
/// The other nodes are known from what they send: INITIAL_HEARTBEAT when their adapter starts (answered with a
/// HEARTBEAT), a HEARTBEAT every ``ClusterAdapterOptions/heartbeatInterval``, and anything else; one not heard from for
/// ``ClusterAdapterOptions/heartbeatTimeout`` is dropped. The timers run on `eventLoop`.
public final class ClusterAdapter: Adapter {
    private enum Lifecycle {
        case idle
        /// Holds its namespace (for server-side events) until closed.
        case running(namespace: Namespace, timers: [RepeatedTask])
        case closed
    }

    private struct State {
        var lifecycle = Lifecycle.idle
        var nodes = ClusterNodes()
        var requests = ClusterRequests()
    }

    /// This node's id: the `uid` of what it publishes.
    public let node: String
    /// The namespace served, the `nsp` of what it publishes.
    public let namespace: String
    private let transport: any ClusterTransport
    private let options: ClusterAdapterOptions
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let local = InMemoryAdapter()
    private let state = Mutex(State())

    public init(
        namespace: String, node: String, transport: any ClusterTransport, options: ClusterAdapterOptions = ClusterAdapterOptions(),
        eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next(), logger: Logger = Logger(label: "socketio.cluster")
    ) {
        self.namespace = namespace
        self.node = node
        self.transport = transport
        self.options = options
        self.eventLoop = eventLoop
        var logger = logger
        logger[metadataKey: "nsp"] = .string(namespace)
        logger[metadataKey: "node"] = .string(node)
        self.logger = logger
    }

    /// The other nodes serving this namespace, as far as this one knows.
    public var nodes: Set<String> { state.withLock { $0.nodes.ids } }

    // MARK: Lifecycle

    /// Subscribes to the namespace's messages, starts the heartbeat and the silence check, and announces itself.
    public func start(for namespace: Namespace) {
        precondition(namespace.name == self.namespace, "an adapter serves the namespace it was made for")
        let beat = TimeAmount(options.heartbeatInterval)
        let check = TimeAmount(options.heartbeatTimeout / 10)
        // Every interval, whatever else was sent: no timer to push back on each broadcast.
        let heartbeat = eventLoop.scheduleRepeatedTask(initialDelay: beat, delay: beat) { _ in self.publish(.heartbeat) }
        let silence = eventLoop.scheduleRepeatedTask(initialDelay: check, delay: check) { _ in self.dropSilentNodes() }
        state.withLock { state in
            guard case .idle = state.lifecycle else { preconditionFailure("adapter started twice") }
            state.lifecycle = .running(namespace: namespace, timers: [heartbeat, silence])
        }
        local.start(for: namespace)
        transport.subscribe(namespace: self.namespace) { message in self.receive(message) }
        publish(.initialHeartbeat)
    }

    /// Says goodbye (ADAPTER_CLOSE) and stops listening; requests still waiting finish with what came.
    public func close() {
        let stopped: (timers: [RepeatedTask], finished: [ClusterRequests.Completion])? = state.withLock { state in
            defer { state.lifecycle = .closed }
            guard case .running(_, let timers) = state.lifecycle else { return nil }
            let finished = state.nodes.ids.flatMap { state.requests.nodeLeft($0) }
            state.nodes = ClusterNodes()
            return (timers, finished)
        }
        guard let stopped else { return }
        local.close()
        for timer in stopped.timers { timer.cancel() }
        transport.unsubscribe(namespace: namespace)
        publish(.adapterClose)
        for request in stopped.finished { request.resume() }
    }

    // MARK: Membership (this node)

    public func addAll(_ socket: Socket, rooms: Set<String>) { local.addAll(socket, rooms: rooms) }
    public func del(_ socket: Socket, room: String) { local.del(socket, room: room) }
    public func delAll(_ socket: Socket) { local.delAll(socket) }
    public func socketRooms(_ id: String) -> Set<String> { local.socketRooms(id) }
    public func localRoomSize(_ room: String) -> Int { local.localRoomSize(room) }

    // MARK: Acting on every node

    public func addSockets(_ options: BroadcastOptions, rooms: Set<String>) {
        local.addSockets(options, rooms: rooms)
        if !options.flags.local { publish(.socketsJoin(options: options, rooms: rooms)) }
    }

    public func delSockets(_ options: BroadcastOptions, rooms: Set<String>) {
        local.delSockets(options, rooms: rooms)
        if !options.flags.local { publish(.socketsLeave(options: options, rooms: rooms)) }
    }

    public func disconnectSockets(_ options: BroadcastOptions, close: Bool) {
        if !options.flags.local { publish(.disconnectSockets(options: options, close: close)) }
        local.disconnectSockets(options, close: close)
    }

    /// A recoverable packet is published from where this node records it (``InMemoryAdapter``'s `announce`), with
    /// its sequence number: the other nodes hear this node's recorded packets in their order.
    @discardableResult
    public func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) -> Int {
        guard !options.flags.local else { return local.broadcast(packet, options: options) }
        let encoded = SocketIOPacketEncoder.encode(packet)
        guard options.flags.recoverable else {
            publish(.broadcast(options: options, packet: encoded, requestID: nil))
            return local.broadcast(encoded, options: options)
        }
        return local.broadcast(encoded, options: options) { origin in
            publish(.broadcast(options: options, packet: encoded, requestID: nil, origin: origin))
        }
    }

    /// A recoverable packet is published as ``broadcast(_:options:)`` does (in its place among this node's recorded
    /// packets), and the other nodes' recipients are counted by a FETCH_SOCKETS request.
    public func broadcastCounting(_ packet: SocketIOPacket, options: BroadcastOptions) async -> Int {
        guard !options.flags.local else { return local.broadcast(packet, options: options) }
        guard !options.flags.recoverable else {
            let reachedHere = broadcast(packet, options: options)
            let outcome = await request(timeout: self.options.requestTimeout) { .fetchSockets(options: options, query: .count, requestID: $0) }
            var reached = reachedHere
            for case .socketCount(let count) in answers(outcome, .fetchSockets) { reached += count }
            return reached
        }
        let encoded = SocketIOPacketEncoder.encode(packet)
        let reachedHere = local.broadcast(encoded, options: options)
        let outcome = await request(timeout: self.options.requestTimeout) { .broadcast(options: options, packet: encoded, requestID: $0) }
        var reached = reachedHere
        for case .clientCount(let count) in answers(outcome, .broadcast) { reached += count }
        return reached
    }

    public func serverSideEmit(_ event: String, args: [JSONValue]) {
        publish(.serverSideEmit(event: event, args: args, requestID: nil))
    }

    public func serverSideEmitWithAck(_ event: String, args: [JSONValue], timeout: Duration) async -> [[JSONValue]] {
        let outcome = await request(timeout: timeout) { .serverSideEmit(event: event, args: args, requestID: $0) }
        var results: [[JSONValue]] = []
        for case .serverSideEmit(let answer?) in answers(outcome, .serverSideEmit) { results.append(answer) }
        return results
    }

    public func releaseSession(pid: String) async -> Bool {
        let outcome = await request(timeout: options.requestTimeout) { .releaseSession(pid: pid, requestID: $0) }
        return answers(outcome, .releaseSession).contains(.released(true))
    }

    /// Once another node is known, or ``ClusterAdapterOptions/peerDiscovery`` passed without one (then there is
    /// nobody to ask).
    public func recoveryLogs() async -> [RecoveryLogSnapshot] {
        let deadline = ContinuousClock.now + options.peerDiscovery
        while nodes.isEmpty, ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                return []
            }
        }
        let outcome = await request(timeout: options.requestTimeout) { .recoveryLog(requestID: $0) }
        return answers(outcome, .recoveryLog).compactMap { answer in
            guard case .recoveryLog(let snapshot) = answer else { return nil }
            return snapshot
        }
    }

    // MARK: Queries (every node)

    public func sockets(_ options: BroadcastOptions) async throws -> Set<String> {
        var ids = Set(local.ids(options))
        guard !options.flags.local else { return ids }
        let outcome = await request(timeout: self.options.requestTimeout) { .fetchSockets(options: options, query: .ids, requestID: $0) }
        for case .socketIDs(let remote) in try completeAnswers(outcome) { ids.formUnion(remote) }
        return ids
    }

    public func roomSize(_ room: String) async -> Int {
        let options = BroadcastOptions(rooms: [room])
        let outcome = await request(timeout: self.options.requestTimeout) { .fetchSockets(options: options, query: .count, requestID: $0) }
        var size = local.localRoomSize(room)
        for case .socketCount(let count) in answers(outcome, .fetchSockets) { size += count }
        return size
    }

    public func fetchSockets(_ options: BroadcastOptions) async throws -> [SocketSnapshot] {
        var sockets = local.snapshots(options)
        guard !options.flags.local else { return sockets }
        let outcome = await request(timeout: self.options.requestTimeout) { .fetchSockets(options: options, query: .snapshots, requestID: $0) }
        for case .socketSnapshots(let remote) in try completeAnswers(outcome) { sockets += remote }
        return sockets
    }

    // MARK: Requests

    /// Publishes the request `body(id)` and waits for its outcome; with no other node, it is not sent and has no
    /// answers.
    private func request(timeout: Duration, _ body: (_ requestID: String) -> ClusterMessage.Body) async -> ClusterRequestOutcome {
        let id = SessionID.make()
        let message = body(id)
        return await withCheckedContinuation { continuation in
            let sent = state.withLock { state in
                let nodes = state.nodes.ids
                guard case .running = state.lifecycle, !nodes.isEmpty else { return false }
                let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) { self.timeOut(id) }
                state.requests.start(id, waitingFor: nodes, timer: timer, continuation: continuation)
                return true
            }
            if sent {
                publish(message)
            } else {
                continuation.resume(returning: ClusterRequestOutcome(answers: [], missing: []))
            }
        }
    }

    private func timeOut(_ id: String) {
        guard let request = state.withLock({ $0.requests.timeOut(id) }) else { return }
        Self.requestTimeouts.increment()
        request.resume()
    }

    /// Requests that some node did not answer in time (`gatewayd_cluster_request_timeouts_total`).
    private static let requestTimeouts = Counter(label: "gatewayd_cluster_request_timeouts_total")

    /// The answers of a request whose callers count: what came, with a warning if some nodes did not answer.
    private func answers(_ outcome: ClusterRequestOutcome, _ request: ClusterMessageType) -> [ClusterAnswer] {
        if !outcome.missing.isEmpty {
            logger.warning("cluster request timed out: counting what came", metadata: [
                "request": "\(request)", "missing": "\(outcome.missing.sorted())",
            ])
        }
        return outcome.answers
    }

    /// The answers of a FETCH_SOCKETS whose caller lists sockets: all of them, or the timeout.
    private func completeAnswers(_ outcome: ClusterRequestOutcome) throws(ClusterRequestTimeout) -> [ClusterAnswer] {
        guard outcome.missing.isEmpty else {
            throw ClusterRequestTimeout(request: .fetchSockets, missing: outcome.missing, timeout: options.requestTimeout)
        }
        return outcome.answers
    }

    // MARK: Nodes

    private func dropSilentNodes() {
        let (silent, finished) = state.withLock { state in
            let silent = state.nodes.removeSilent(before: eventLoop.now - TimeAmount(options.heartbeatTimeout))
            return (silent, silent.flatMap { state.requests.nodeLeft($0) })
        }
        for node in silent { logger.warning("cluster node went silent: dropped", metadata: ["peer": .string(node)]) }
        for request in finished { request.resume() }
    }

    // MARK: Receiving

    /// What the transport hands over: a message from another node for this namespace.
    func receive(_ message: ClusterMessage) {
        guard message.uid != node else { return }
        enum Heard { case known, new, left }
        let heard: (namespace: Namespace, news: Heard, finished: [ClusterRequests.Completion])? = state.withLock { state in
            guard case .running(let namespace, _) = state.lifecycle else { return nil }
            if case .adapterClose = message.body {
                return state.nodes.remove(message.uid) ? (namespace, .left, state.requests.nodeLeft(message.uid)) : (namespace, .known, [])
            }
            return (namespace, state.nodes.heard(from: message.uid, at: eventLoop.now) ? .new : .known, [])
        }
        guard let heard else { return }
        switch heard.news {
        case .new: logger.info("cluster node joined", metadata: ["peer": .string(message.uid)])
        case .left: logger.info("cluster node left", metadata: ["peer": .string(message.uid)])
        case .known: break
        }
        for request in heard.finished { request.resume() }
        handle(message, namespace: heard.namespace)
    }

    private func handle(_ message: ClusterMessage, namespace: Namespace) {
        let sender = message.uid
        switch message.body {
        case .initialHeartbeat:
            publish(.heartbeat)
        case .heartbeat, .adapterClose:
            break
        case .broadcast(var options, let packet, let requestID, let origin):
            // Recorded where it was sent from, or not at all (recovery was off there): not as this node's own.
            if origin == nil { options.flags.recoverable = false }
            let reached = local.broadcast(packet, options: options, from: origin)
            if let requestID { respond(to: sender, requestID, .clientCount(reached)) }
        case .socketsJoin(let options, let rooms):
            local.addSockets(options, rooms: rooms)
        case .socketsLeave(let options, let rooms):
            local.delSockets(options, rooms: rooms)
        case .disconnectSockets(let options, let close):
            local.disconnectSockets(options, close: close)
        case .fetchSockets(let options, let query, let requestID):
            let answer: ClusterAnswer = switch query {
            case .snapshots: .socketSnapshots(local.snapshots(options))
            case .ids: .socketIDs(local.ids(options))
            case .count: .socketCount(local.count(options))
            }
            respond(to: sender, requestID, answer)
        case .serverSideEmit(let event, let args, let requestID):
            // The listener may take its time: the transport's thread does not wait for it.
            Task {
                let answer = await namespace.receiveServerSideEmit(event, args: args)
                if let requestID { self.respond(to: sender, requestID, .serverSideEmit(answer)) }
            }
        case .releaseSession(let pid, let requestID):
            Task {
                let released = await namespace.releaseStale(pid)
                self.respond(to: sender, requestID, .released(released))
            }
        case .recoveryLog(let requestID):
            respond(to: sender, requestID, .recoveryLog(namespace.recoveryLogSnapshot()))
        case .response(let requestID, let answer):
            state.withLock { $0.requests.receive(answer, for: requestID, from: sender) }?.resume()
        }
    }

    // MARK: Publishing

    private func publish(_ body: ClusterMessage.Body) {
        transport.publish(ClusterMessage(uid: node, nsp: namespace, body: body))
    }

    private func respond(to requester: String, _ requestID: String, _ answer: ClusterAnswer) {
        transport.publish(ClusterMessage(uid: node, nsp: namespace, body: .response(requestID: requestID, answer: answer)), to: requester)
    }
}
