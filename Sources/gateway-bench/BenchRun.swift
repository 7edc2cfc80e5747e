import NIOCore
import NIOPosix

/// The state of one shard of a benchmark run (see `ShardedRun`): its connections, what they measured, and the
/// phase it is in.
///
/// The shard's connections and the shard share one event loop, so all of this is confined to that loop: methods
/// are only called on it (each asserts so), which is why the class can be `@unchecked Sendable` and carry no lock.
final class BenchRun: @unchecked Sendable {
    let plan: BenchPlan
    let eventLoop: EventLoop
    /// This shard's index in the run, which names its publishers' hold in `FanoutFlowControl`.
    let shard: Int
    let payloadBody: ByteBuffer
    let joinBody: ByteBuffer
    private let publishBodyPrefix: ByteBuffer

    private(set) var isSending = false
    private var isRecording = false
    private var isClosing = false
    private var connections: [BenchConnection] = []
    private var launched = 0
    private var connecting = 0
    private var readyCount = 0
    private var joinedCount = 0
    private var joiningSubscribers = 0
    private var failedCount = 0
    private var connectTimer: RepeatedTask?
    private var connectBudget = 0.0
    private var allReady: EventLoopPromise<Void>
    private var allJoined: EventLoopPromise<Void>?

    private var ack = LatencyRecorder()
    private var result = LatencyRecorder()
    private var delivery = LatencyRecorder()
    private var completions: UInt64 = 0
    private var deliveries: UInt64 = 0
    private var errors: [String: Int] = [:]
    private var recordingStarted = NIODeadline.now()
    /// By target: what was measured in the window (latencies only with several targets).
    private var targets: [TargetMeasurement]
    /// Fan-out over the whole run: acked publishes, and deliveries by target.
    private var settlement: Settlement
    /// Shared by every shard in fan-out, set when the load starts; nil in the other scenarios.
    private var flowControl: FanoutFlowControl?
    /// A fixed workload (`--events`): what is left to send, nil while the load runs for a time.
    private var budget: FixedWorkload?

    init(plan: BenchPlan, eventLoop: EventLoop, shard: Int) {
        self.plan = plan
        self.eventLoop = eventLoop
        self.shard = shard
        self.payloadBody = plan.payloadBody
        self.joinBody = plan.joinBody
        self.publishBodyPrefix = plan.publishBodyPrefix
        self.allReady = eventLoop.makePromise()
        self.targets = Array(repeating: TargetMeasurement(), count: plan.targets.count)
        self.settlement = Settlement(targets: plan.targets.count)
    }

    // MARK: Connecting

    /// Opens every connection at the planned rate; the future completes when each one is ready or has failed.
    func connectAll() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let tick = TimeAmount.milliseconds(10)
        connectTimer = eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: tick) { [self] _ in
            connectBudget = min(connectBudget + plan.connectRate / 100, plan.connectRate)
            while connectBudget >= 1, connecting < 512, launched < plan.totalConnections {
                connectBudget -= 1
                launch(index: launched)
                launched += 1
            }
            if launched == plan.totalConnections { connectTimer?.cancel() }
        }
        return allReady.futureResult
    }

    private func launch(index: Int) {
        let role: BenchConnection.Role = switch plan.scenario {
        case .echoAck, .pipeline: .worker
        case .idle, .churn: .idle
        case .fanout: index < plan.connections ? .subscriber : .publisher
        }
        let targetIndex = plan.target(ofConnection: index)
        let target = plan.targets[targetIndex]
        let connection = BenchConnection(role: role, run: self, target: targetIndex, upgrading: plan.transport == .pollingUpgrade)
        connections.append(connection)
        connecting += 1
        let bootstrap = makeBootstrap(index: index)
        switch plan.transport {
        case .websocket:
            openWebSocket(connection, path: plan.requestPath, bootstrap: bootstrap)
        case .pollingUpgrade:
            let sessionID = eventLoop.makePromise(of: String.self)
            let host = "\(target.host):\(target.port)"
            let path = plan.pollingPath
            bootstrap.channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PollingHandshake(host: host, path: path, sessionID: sessionID))
                }
            }.connect(host: target.host, port: target.port).whenFailure { sessionID.fail($0) }
            let boundConnection = NIOLoopBound(connection, eventLoop: eventLoop)
            sessionID.futureResult.whenComplete { [self] outcome in
                switch outcome {
                case .success(let sid):
                    openWebSocket(boundConnection.value, path: plan.requestPath + "&sid=" + sid, bootstrap: makeBootstrap(index: index))
                case .failure(let error):
                    recordError("polling handshake: \(error)")
                    connectionSettled(ready: false)
                }
            }
        }
    }

    private func makeBootstrap(index: Int) -> ClientBootstrap {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(10))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        guard !plan.sourceAddresses.isEmpty else { return bootstrap }
        return bootstrap.bind(to: plan.sourceAddresses[index % plan.sourceAddresses.count])
    }

    private func openWebSocket(_ connection: BenchConnection, path: String, bootstrap: ClientBootstrap) {
        let target = plan.targets[connection.target]
        let boundConnection = NIOLoopBound(connection, eventLoop: eventLoop)
        let host = "\(target.host):\(target.port)"
        bootstrap.channelInitializer { [self] channel in
            let handshake = WebSocketClientHandshake(host: host, path: path, onFailure: { self.recordError("\($0)") }) {
                try $0.addHandler(boundConnection.value)
            }
            return channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handshake) }
        }.connect(host: target.host, port: target.port).whenComplete { [self] outcome in
            switch outcome {
            case .failure(let error):
                recordError("connect: \(error)")
                connectionSettled(ready: false)
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in self.connectionEnded(boundConnection.value) }
            }
        }
    }

    func connectionReady(_ connection: BenchConnection) {
        eventLoop.assertInEventLoop()
        targets[connection.target].connected += 1
        connectionSettled(ready: true)
    }

    private func connectionEnded(_ connection: BenchConnection) {
        if !connection.isReady {
            connectionSettled(ready: false)
        } else if !isClosing {
            recordError("connection_closed")
        }
    }

    private func connectionSettled(ready: Bool) {
        connecting -= 1
        if ready { readyCount += 1 } else { failedCount += 1 }
        if readyCount + failedCount == plan.totalConnections { allReady.succeed() }
    }

    var connectedCount: Int { readyCount }

    // MARK: Load

    /// Fan-out only: every subscriber joins the room; completes when all have been acked (or gone).
    func joinSubscribers() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        isSending = true
        let joined = eventLoop.makePromise(of: Void.self)
        allJoined = joined
        let subscribers = connections.filter { $0.role == .subscriber && $0.isReady }
        joiningSubscribers = subscribers.count
        if subscribers.isEmpty { joined.succeed() }
        subscribers.forEach { $0.startLoad() }
        return joined.futureResult
    }

    /// A subscriber's `join` was acked; `inRoom` false when the ack was an error (it is not owed deliveries).
    func subscriberJoined(target: Int, inRoom: Bool) {
        if inRoom {
            targets[target].joined += 1
            settlement.joined[target] += 1
        }
        joinedCount += 1
        if joinedCount == joiningSubscribers { allJoined?.succeed() }
    }

    var joinedSubscribers: Int { joinedCount }

    func startLoad(flowControl: FanoutFlowControl?) {
        eventLoop.assertInEventLoop()
        isSending = true
        self.flowControl = flowControl
        connections.filter { $0.role == .worker || $0.role == .publisher }.forEach { $0.startLoad() }
    }

    /// Sends exactly `events` events (publishes in fan-out) over the workers; completes when each has completed.
    func runFixed(_ events: Int, flowControl: FanoutFlowControl?) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let finished = eventLoop.makePromise(of: Void.self)
        guard events > 0 else {
            finished.succeed()
            return finished.futureResult
        }
        budget = FixedWorkload(unsent: events, outstanding: events, finished: finished)
        startLoad(flowControl: flowControl)
        return finished.futureResult
    }

    /// Whether one more event may be sent: always while the load runs for a time.
    func takeFromBudget() -> Bool {
        guard budget != nil else { return true }
        guard budget!.unsent > 0 else { return false }
        budget!.unsent -= 1
        return true
    }

    /// Whether a publisher may send now; if not, it is resumed once deliveries catch up.
    func mayPublish(_ publisher: BenchConnection) -> Bool {
        flowControl?.mayPublish(publisher, shard: shard) ?? true
    }

    func publishBody() -> ByteBuffer {
        var body = publishBodyPrefix
        body.writeString(String(NIODeadline.now().uptimeNanoseconds))
        body.writeStaticString("}")
        return body
    }

    // MARK: Measuring

    func beginRecording() {
        eventLoop.assertInEventLoop()
        ack.reset()
        result.reset()
        delivery.reset()
        for index in targets.indices {
            targets[index].deliveries = 0
            targets[index].delivery.reset()
        }
        completions = 0
        deliveries = 0
        isRecording = true
        recordingStarted = .now()
    }

    func recordAck(nanoseconds: UInt64) {
        if isRecording { ack.record(nanoseconds: nanoseconds) }
    }

    func recordResult(nanoseconds: UInt64) {
        if isRecording { result.record(nanoseconds: nanoseconds) }
    }

    func recordCompletion() {
        if isRecording { completions += 1 }
        guard budget != nil else { return }
        budget!.outstanding -= 1
        if budget!.outstanding == 0 {
            isSending = false
            let finished = budget!.finished
            budget = nil
            finished.succeed()
        }
    }

    func recordDelivery(nanoseconds: UInt64, target: Int) {
        if isRecording {
            deliveries += 1
            delivery.record(nanoseconds: nanoseconds)
            targets[target].deliveries += 1
            if targets.count > 1 { targets[target].delivery.record(nanoseconds: nanoseconds) }
        }
        settlement.delivered[target] += 1
        flowControl?.recordDelivery()
    }

    /// A publish the server acked without an error: every joined subscriber must get it.
    func recordPublished() {
        settlement.published += 1
    }

    /// Counts a failure by kind, over the whole run (connecting and warm-up included), except while closing.
    func recordError(_ kind: String) {
        if isClosing { return }
        errors[kind, default: 0] += 1
    }

    /// Stops the load and returns what was measured since `beginRecording`.
    func endRecording() -> Measurement {
        eventLoop.assertInEventLoop()
        isRecording = false
        isSending = false
        let seconds = Double((NIODeadline.now() - recordingStarted).nanoseconds) / 1e9
        return Measurement(
            seconds: seconds, completions: completions, deliveries: deliveries, connected: readyCount,
            ack: ack, result: result, delivery: delivery, errors: errors, targets: targets
        )
    }

    /// Fan-out: the whole run's publishes and deliveries so far, with the publishes still waiting for their ack.
    func currentSettlement() -> Settlement {
        eventLoop.assertInEventLoop()
        var current = settlement
        current.unacked = connections.lazy.filter { $0.role == .publisher }.map(\.pendingAckCount).reduce(0, +)
        return current
    }

    /// Closes every connection; completes when all are closed.
    func closeAll() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        isClosing = true
        isSending = false
        connectTimer?.cancel()
        let closing = connections.compactMap { $0.close() }
        return EventLoopFuture.andAllComplete(closing, on: eventLoop)
    }
}

/// A fixed number of events in flight through a run (`--events`, `--warmup-events`).
struct FixedWorkload {
    /// Events not sent yet.
    var unsent: Int
    /// Events not completed yet.
    var outstanding: Int
    let finished: EventLoopPromise<Void>
}
