import JSONCore
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// What the layer above Engine.IO hears from a session, on the session's event loop (an upgraded session's messages
/// on its WebSocket's).
package protocol EngineSessionDelegate: AnyObject, Sendable {
    /// A message packet's payload, in arrival order, one at a time; synchronous, so a session holds no task: a
    /// delegate with async work queues it (see ``SerialTaskQueue``). A session upgraded to a WebSocket on another
    /// loop delivers its messages on that loop, the rest (the close) on its own.
    func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload)
    /// The session ended; called once.
    func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason)
}

/// One Engine.IO session: runs its ``EngineSessionStateMachine``, its timers and its delegate on one event loop.
///
/// The loop is fixed when the session is created: a WebSocket session's is its channel's; a polling session's is
/// picked at the handshake, and a WebSocket that upgrades it hops to it, except for messages and sends once the
/// upgrade is done (those take the WebSocket's loop). Every entry point may be called from any
/// thread: it runs inline on the loop, or hops there once. One loop orders everything the session hears (a pong
/// cannot overtake the ping's timeout being armed; a poll and the probe's frames are handled one after the other), and
/// no lock guards its state.
///
/// Its timers hold it strongly and closing cancels them: no weak reference to a session is ever made, since an object
/// that has had one pays a slower reference count on every retain (a broadcast retains each recipient's session).
package final class EngineSession: Sendable {
    typealias StateMachine = EngineSessionStateMachine<PollRequest, WebSocketTransport>

    /// How long a held poll waits after `pong probe` for the upgrade before it is answered with a noop (socket.io's
    /// "fast upgrade" check interval): a poll sent just before `upgrade` is refused rather than answered.
    static let fastUpgradeDelay = TimeAmount.milliseconds(100)

    /// The session's loop-confined state.
    private struct LoopState {
        var machine: StateMachine
        var delegate: (any EngineSessionDelegate)?
        var heartbeat: Scheduled<Void>?
        /// When the heartbeat times out unless the client answers (v4: the ping's pong; v3: its own ping).
        var heartbeatDeadline: NIODeadline?
        var upgradeTimeout: Scheduled<Void>?
        var fastUpgrade: Scheduled<Void>?
        /// The bytes of the polling outbox counted in the server's ``OutboundBudget``.
        var countedOutbox = 0
    }

    package let id: String
    package let version: EngineProtocolVersion
    package let handshake: HandshakeRequest
    /// The server's options, logger, session table and outbound budget, shared by its sessions.
    private let environment: EngineSessionEnvironment
    /// Where the session's state, timers and delegate calls live.
    package let eventLoop: any EventLoop
    private let state: NIOLoopBoundBox<LoopState>
    /// Whether a WebSocket carries the session (from the start, or since its upgrade): readable from any thread.
    private let overWebSocket: Atomic<Bool>
    /// The WebSocket a polling session upgraded to (on another loop than the session's), once everything sent before
    /// the upgrade is queued on it, until the session closes; and the delegate, which its messages go to. What other
    /// threads then send goes straight to it (see `send(_:)`), a broadcast is delivered on its loop (`deliveryLoop`),
    /// and the messages it reads go to the delegate there (see `receive(_:from:)`): none of them hops through the
    /// session's loop.
    private let upgraded = Mutex<Upgraded?>(nil)
    private struct Upgraded {
        let webSocket: WebSocketTransport
        let delegate: any EngineSessionDelegate
    }
    /// Sends handed to the session's loop and not yet passed to its transport: while there are any, later sends
    /// follow them there, so that what one thread sends arrives in the order it was sent.
    private let sendsOnTheirWay = Atomic<Int>(0)
    /// Packets read from a WebSocket on another loop and handed to the session's, not yet handled there: while there
    /// are any, the upgraded WebSocket's messages follow them there, so that they reach the delegate in order.
    private let receivesOnTheirWay = Atomic<Int>(0)

    /// `transport`: the WebSocket of a session opened over WebSocket (then `eventLoop` must be its channel's), or nil
    /// for long-polling.
    init(
        id: String, version: EngineProtocolVersion, transport: WebSocketTransport?, handshake: HandshakeRequest,
        environment: EngineSessionEnvironment, eventLoop: any EventLoop
    ) {
        self.id = id
        self.version = version
        self.handshake = handshake
        self.environment = environment
        self.eventLoop = eventLoop
        let machine = StateMachine(transport: transport, version: version, outboxLimit: environment.options.maxOutboundBufferBytes)
        self.state = .makeBoxSendingValue(LoopState(machine: machine), eventLoop: eventLoop)
        self.overWebSocket = Atomic(transport != nil)
    }

    private var timing: EngineIOOptions { environment.options }

    /// The transport carrying the session now.
    package var transport: EngineIOOptions.Transport {
        overWebSocket.load(ordering: .relaxed) ? .websocket : .polling
    }

    /// A logger whose messages name this session (`engine.sid`), made when something is logged.
    package var logger: Logger {
        var logger = environment.logger
        logger[metadataKey: "engine.sid"] = .string(id)
        return logger
    }

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if eventLoop.inEventLoop { body() } else { eventLoop.execute(body) }
    }

    /// Sends the open packet, then makes the delegate (which may send at once: after the open packet) and starts the
    /// heartbeat.
    func start(upgrades: [String], makeDelegate: @escaping @Sendable () -> any EngineSessionDelegate) {
        let open = openPacket(upgrades: upgrades)
        // Timed from the handshake itself, not from when the loop gets to it: clients time the same interval.
        let opened = NIODeadline.now()
        onLoop {
            self.sendOnLoop(OutboundPackets([open]), volatile: false)
            self.state.value.delegate = makeDelegate()
            self.scheduleHeartbeat(from: opened)
        }
    }

    /// The open packet's JSON: what the client needs to know about this session.
    private func openPacket(upgrades: [String]) -> EnginePacket {
        var fields: [String: JSONValue] = [
            "sid": .string(id),
            "upgrades": .array(upgrades.map(JSONValue.string)),
            "pingInterval": .int(timing.pingInterval.milliseconds),
            "pingTimeout": .int(timing.pingTimeout.milliseconds),
        ]
        if version == .v4 { fields["maxPayload"] = .int(timing.maxHttpBufferSize) }
        return EnginePacket(.open, .text(JSONValue.object(fields).serialized()))
    }

    // MARK: Sending

    /// Queues packets for the client: written to the WebSocket at once, or kept for the next poll.
    package func send(_ packets: [EnginePacket]) {
        send(OutboundPackets(packets))
    }

    /// Queues packets encoded once for every recipient (a broadcast's).
    package func send(_ outbound: OutboundPackets) {
        // In place without a closure: this is every packet's path, and a closure that may escape is an allocation.
        if eventLoop.inEventLoop {
            sendOnLoop(outbound, volatile: false)
        } else if sendsOnTheirWay.load(ordering: .acquiring) == 0, let webSocket = upgraded.withLock({ $0?.webSocket }) {
            // Upgraded: the state machine only passes packets on to the WebSocket, which takes them from any thread.
            EngineMetrics.packetsOut.increment(by: outbound.frames.count)
            EngineMetrics.bytesOut.increment(by: outbound.frameBytes)
            webSocket.send(outbound)
        } else {
            sendOnTheirWay(outbound, volatile: false)
        }
    }

    /// Hands a send to the session's loop, counted in `sendsOnTheirWay` until it reaches the transport.
    private func sendOnTheirWay(_ outbound: OutboundPackets, volatile: Bool) {
        sendsOnTheirWay.wrappingAdd(1, ordering: .relaxed)
        eventLoop.execute {
            self.sendOnLoop(outbound, volatile: volatile)
            self.sendsOnTheirWay.wrappingSubtract(1, ordering: .releasing)
        }
    }

    /// Where packets for this session are cheapest to send from: its upgraded WebSocket's loop, else its own.
    package var deliveryLoop: any EventLoop {
        upgraded.withLock { $0?.webSocket.eventLoop } ?? eventLoop
    }

    /// A send will come from a task queued on a loop (a broadcast's batch, a recovery's replay): counted from now, so
    /// that nothing sent later goes straight to the upgraded WebSocket ahead of it. Then `sendQueued` or
    /// `queuedSendsDone` once.
    package func expectQueuedSend() {
        sendsOnTheirWay.wrappingAdd(1, ordering: .relaxed)
    }

    /// The send announced with `expectQueuedSend()`.
    package func sendQueued(_ outbound: OutboundPackets, volatile: Bool) {
        if eventLoop.inEventLoop {
            sendOnLoop(outbound, volatile: volatile)
            queuedSendsDone()
        } else {
            // No longer ahead of anything: what it waits for now is what was queued before it.
            queuedSendsDone()
            if volatile { sendVolatile(outbound) } else { send(outbound) }
        }
    }

    /// On the session's loop, once what was announced with `expectQueuedSend()` has been sent there.
    package func queuedSendsDone() {
        sendsOnTheirWay.wrappingSubtract(1, ordering: .releasing)
    }

    /// Sends packets only if the client can take them now (socket.io's `volatile`): a WebSocket that is writable, or
    /// a poll that is waiting; otherwise they are dropped.
    package func sendVolatile(_ outbound: OutboundPackets) {
        if eventLoop.inEventLoop {
            sendOnLoop(outbound, volatile: true)
        } else {
            sendOnTheirWay(outbound, volatile: true)
        }
    }

    private func sendOnLoop(_ outbound: OutboundPackets, volatile: Bool) {
        EngineMetrics.packetsOut.increment(by: outbound.frames.count)
        EngineMetrics.bytesOut.increment(by: outbound.frameBytes)
        switch state.value.machine.send(outbound.packets, volatile: volatile) {
        case .write(let webSocket):
            guard !volatile || webSocket.isWritable else { return }
            webSocket.send(outbound)
        case .answer(let poll, let batch):
            poll.send(batch)
            countOutbox()
        case .none:
            if countOutbox() { closeForOverflow(pastTotal: true) }
        case .overflowed:
            closeForOverflow(pastTotal: false)
        }
    }

    /// Brings the polling outbox's count in the server's budget up to date; whether it grew past the total.
    @discardableResult
    private func countOutbox() -> Bool {
        let delta = state.value.machine.outboxBytes - state.value.countedOutbox
        guard delta != 0 else { return false }
        state.value.countedOutbox += delta
        return environment.outboundBudget.add(delta) && delta > 0
    }

    /// The client stopped collecting what it is sent (a WebSocket it does not read, polls it does not make): the
    /// session ends with `transport error` rather than the buffer growing without bound — past its own limit, or
    /// while what waits for all clients together is past ``EngineIOOptions/maxOutboundTotalBytes``.
    func closeForOverflow(pastTotal: Bool) {
        EngineMetrics.outboundClosed.increment()
        if pastTotal {
            logger.warning("closing a session whose client does not take what it is sent: the output waiting for all clients passed the total", metadata: [
                "limit": "\(environment.outboundBudget.limit)",
            ])
        } else {
            logger.warning("closing a session whose client does not take what it is sent", metadata: [
                "limit": "\(timing.maxOutboundBufferBytes)",
            ])
        }
        close(reason: .transportError, webSocketCode: .policyViolation)
    }

    // MARK: Long-polling

    /// A GET: the queued packets, or wait until there are some (or the session ends).
    func poll() async -> EnginePollOutcome {
        let promise = eventLoop.makePromise(of: EnginePollOutcome.self)
        onLoop {
            self.closeIfHeartbeatTimedOut()
            switch self.state.value.machine.poll(PollRequest(promise)) {
            case .answer(let poll, let outcome):
                poll.answer(outcome)
                self.countOutbox()
            case .refuseAfterWrites(let refusals):
                self.refuseAfterWrites(refusals)
            case .hold:
                break
            case .holdDuringUpgrade:
                self.armFastUpgrade()
            case .refuseOverlap(let poll):
                poll.refuse()
                self.closeOnLoop(reason: .transportError, webSocketCode: .normalClosure, pollAnswer: EnginePacket(.close))
            }
        }
        return (try? await promise.futureResult.get()) ?? .refused(.unknownSession)
    }

    /// A POST's packets, handled in order on the session's loop.
    func receivePost(_ body: [UInt8]) async -> EngineHTTPError? {
        let done = eventLoop.submit { () -> EngineHTTPError? in
            self.closeIfHeartbeatTimedOut()
            if let refusal = self.state.value.machine.admitPost() { return refusal }
            let packets: [EnginePacket]
            do {
                packets = try EnginePayloadCodec.decode(body, version: self.version)
            } catch {
                self.logger.debug("undecodable polling payload", metadata: ["error": "\(error)"])
                self.closeOnLoop(reason: .parseError, webSocketCode: .normalClosure, pollAnswer: EnginePacket(.close))
                return .badRequest
            }
            for packet in packets { self.receiveOnLoop(packet, from: .post) }
            return nil
        }
        do {
            return try await done.get()
        } catch {
            return .unknownSession  // the event loop is shutting down
        }
    }

    // MARK: WebSocket

    /// A packet read from `webSocket`: the session's transport, a probe, or one that is no longer either.
    func receive(_ packet: EnginePacket, from webSocket: WebSocketTransport) {
        // Always on the WebSocket's loop, which is the session's unless it upgraded: in place, without a closure.
        if eventLoop.inEventLoop {
            receiveOnLoop(packet, from: .socket(webSocket))
        } else if packet.kind == .message, receivesOnTheirWay.load(ordering: .acquiring) == 0,
                  let delegate = upgraded.withLock({ $0?.webSocket === webSocket ? $0?.delegate : nil }) {
            // The upgraded transport's message: the state machine would only pass it on (the delegate routes on
            // whichever thread delivers).
            EngineMetrics.packetsIn.increment()
            EngineMetrics.bytesIn.increment(by: packet.payloadBytes)
            delegate.engineSession(self, didReceive: packet.payload ?? .text(""))
        } else {
            receivesOnTheirWay.wrappingAdd(1, ordering: .relaxed)
            eventLoop.execute {
                self.receiveOnLoop(packet, from: .socket(webSocket))
                self.receivesOnTheirWay.wrappingSubtract(1, ordering: .releasing)
            }
        }
    }

    /// `webSocket`'s connection is done (closed, failed, shutting down): the session ends if it is the transport, a
    /// probe is dropped. Either way the close frame follows what is queued.
    func transportEnded(_ webSocket: WebSocketTransport, reason: EngineCloseReason, webSocketCode: WebSocketErrorCode) {
        onLoop {
            if self.state.value.machine.isTransport(webSocket) {
                self.closeOnLoop(reason: reason, webSocketCode: webSocketCode, pollAnswer: EnginePacket(.close))
            } else {
                self.abandonUpgradeOnLoop(of: webSocket)
            }
            webSocket.close(webSocketCode)
        }
    }

    /// A WebSocket wants to take over from polling; it is closed at once when the session cannot upgrade. Completes
    /// once the session has taken it in.
    func beginUpgrade(with webSocket: WebSocketTransport) -> EventLoopFuture<Void> {
        eventLoop.submit {
            switch self.state.value.machine.beginUpgrade(with: webSocket) {
            case .probing: break
            case .refused: webSocket.refuse(); return
            case .refusedAfterWrites(let refusals): self.refuseAfterWrites(refusals); return
            case .refusedOnceProbeEnds: return
            }
            self.state.value.upgradeTimeout = self.eventLoop.scheduleTask(in: .init(self.timing.upgradeTimeout)) {
                self.abandonUpgradeOnLoop(of: webSocket)
            }
        }
    }

    private func abandonUpgradeOnLoop(of webSocket: WebSocketTransport) {
        guard let waiting = state.value.machine.abandonUpgrade(of: webSocket) else { return }
        dropProbe(webSocket, refusing: waiting)
    }

    /// The probe ended without an upgrade: polling goes on.
    private func dropProbe(_ probe: WebSocketTransport, refusing waiting: [WebSocketTransport]) {
        cancelUpgradeTimers()
        probe.close()
        for socket in waiting { socket.refuse() }
        releaseHeldPoll()
    }

    private func armFastUpgrade() {
        guard state.value.fastUpgrade == nil else { return }
        state.value.fastUpgrade = eventLoop.scheduleTask(in: Self.fastUpgradeDelay) {
            self.state.value.fastUpgrade = nil
            self.releaseHeldPoll()
        }
    }

    /// Refuses what the machine says must wait for the upgraded WebSocket's queued writes, on the loop's next turn.
    private func refuseAfterWrites(_ refusals: StateMachine.RefusalsAfterWrites) {
        guard refusals.poll != nil || !refusals.webSockets.isEmpty else { return }
        refusals.transport.afterQueuedWrites {
            refusals.poll?.refuse()
            for socket in refusals.webSockets { socket.refuse() }
        }
    }

    private func releaseHeldPoll() {
        if case let (poll, packets)? = state.value.machine.releaseHeldPoll() {
            poll.send(packets)
            countOutbox()
        }
    }

    private func cancelUpgradeTimers() {
        state.value.upgradeTimeout?.cancel()
        state.value.upgradeTimeout = nil
        state.value.fastUpgrade?.cancel()
        state.value.fastUpgrade = nil
    }

    // MARK: Incoming packets (both transports)

    private func receiveOnLoop(_ packet: EnginePacket, from origin: StateMachine.Origin) {
        EngineMetrics.packetsIn.increment()
        EngineMetrics.bytesIn.increment(by: packet.payloadBytes)
        switch state.value.machine.receive(packet, from: origin) {
        case .deliver(let payload):
            state.value.delegate?.engineSession(self, didReceive: payload)
        case .pong(let payload):
            sendOnLoop(OutboundPackets([EnginePacket(.pong, payload)]), volatile: false)
            scheduleHeartbeat()
        case .heartbeatAnswered:
            if let deadline = state.value.heartbeatDeadline { logHeartbeat("pong received", "spare_ms", deadline - .now()) }
            scheduleHeartbeat()
        case .close(let reason, let pollAnswer):
            closeOnLoop(reason: reason, webSocketCode: .normalClosure, pollAnswer: pollAnswer)
        case .none:
            break
        case .probe(.answer(let webSocket)):
            webSocket.send([EnginePacket(.pong, .text("probe"))])
            armFastUpgrade()
        case .probe(.upgraded(let webSocket, let waiting, let refusals)):
            overWebSocket.store(true, ordering: .relaxed)
            cancelUpgradeTimers()
            webSocket.send(waiting)
            countOutbox()
            if webSocket.eventLoop !== eventLoop, let delegate = state.value.delegate {
                upgraded.withLock { $0 = Upgraded(webSocket: webSocket, delegate: delegate) }
            }
            refuseAfterWrites(refusals)
        case .probe(.abandon(let webSocket, let waiting)):
            dropProbe(webSocket, refusing: waiting)
        }
    }

    // MARK: Heartbeat

    /// Starts (or restarts) the heartbeat: v4 pings after `pingInterval` and expects a pong within
    /// `pingTimeout`; v3 expects the client's own ping within `pingInterval + pingTimeout`.
    private func scheduleHeartbeat(from start: NIODeadline = .now()) {
        guard !state.value.machine.isClosed else { return }
        state.value.heartbeat?.cancel()
        switch version {
        case .v4:
            let pingDeadline = start + .init(timing.pingInterval)
            state.value.heartbeatDeadline = nil
            state.value.heartbeat = eventLoop.scheduleTask(deadline: pingDeadline) {
                self.sendPing(due: pingDeadline)
            }
        case .v3:
            armHeartbeatTimeout(deadline: start + .init(timing.pingInterval + timing.pingTimeout))
        }
    }

    /// On the loop, so the timeout is armed before the pong can be handled. The timeout counts from when the ping was
    /// due, not from when the loop got to it: a busy loop does not give the client more time than it was told.
    private func sendPing(due: NIODeadline) {
        sendOnLoop(OutboundPackets([EnginePacket(.ping)]), volatile: false)
        logHeartbeat("ping sent", "late_ms", .now() - due)
        armHeartbeatTimeout(deadline: due + .init(timing.pingTimeout))
    }

    private func armHeartbeatTimeout(deadline: NIODeadline) {
        guard !state.value.machine.isClosed else { return }
        state.value.heartbeatDeadline = deadline
        state.value.heartbeat = eventLoop.scheduleTask(deadline: deadline) {
            self.closeForHeartbeatTimeout(noticedBy: "timer")
        }
    }

    private func closeForHeartbeatTimeout(noticedBy: Logger.MetadataValue) {
        if let deadline = state.value.heartbeatDeadline {
            logHeartbeat("heartbeat timed out", "overdue_ms", .now() - deadline, ["noticed_by": noticedBy])
        }
        closeOnLoop(reason: .pingTimeout, webSocketCode: .normalClosure, pollAnswer: EnginePacket(.close))
    }

    /// At debug level, how a heartbeat went: what a ping timeout under load is explained with (a late loop, a late
    /// client). Checked first, so a session pays nothing for it at the usual levels.
    private func logHeartbeat(
        _ message: Logger.Message, _ key: String, _ amount: TimeAmount, _ metadata: Logger.Metadata = [:]
    ) {
        guard environment.logger.logLevel <= .debug else { return }
        let milliseconds = Double(amount.nanoseconds / 10_000) / 100
        logger.debug(message, metadata: metadata.merging([key: "\(milliseconds)"]) { $1 })
    }

    /// A request that arrives once the heartbeat has timed out finds the session closed, even if the timer has not
    /// fired yet (it is due: the loop was busy).
    private func closeIfHeartbeatTimedOut() {
        if let deadline = state.value.heartbeatDeadline, NIODeadline.now() >= deadline {
            closeForHeartbeatTimeout(noticedBy: "late request")
        }
    }

    // MARK: Closing

    /// Ends the session once: answers a held poll (with a close packet unless told otherwise), closes the WebSocket
    /// (code 1009 for an oversized message), stops timers, tells the delegate and the server.
    package func close(
        reason: EngineCloseReason, webSocketCode: WebSocketErrorCode = .normalClosure,
        releasingPollWith pollAnswer: EnginePacket = EnginePacket(.close)
    ) {
        onLoop { self.closeOnLoop(reason: reason, webSocketCode: webSocketCode, pollAnswer: pollAnswer) }
    }

    private func closeOnLoop(reason: EngineCloseReason, webSocketCode: WebSocketErrorCode, pollAnswer: EnginePacket) {
        guard let closed = state.value.machine.close(releasingPollWith: pollAnswer) else { return }
        countOutbox()
        upgraded.withLock { $0 = nil }
        let transport = closed.webSocket == nil ? PollRequest.name : WebSocketTransport.name
        environment.logger.debug("engine session closed", metadata: [
            "engine.sid": .string(id), "reason": .string(reason.rawValue), "transport": .string(transport.rawValue),
        ])
        state.value.heartbeat?.cancel()
        state.value.heartbeat = nil
        cancelUpgradeTimers()
        closed.heldPoll?.send([pollAnswer])
        closed.probe?.close()
        closed.webSocket?.close(webSocketCode)
        for socket in closed.waitingWebSockets { socket.refuse() }
        let delegate = state.value.delegate
        state.value.delegate = nil
        delegate?.engineSessionDidClose(self, reason: reason)
        if case .closed(let latePollAnswer?) = state.value.machine.state, latePollAnswer.kind == .noop {
            // Kept a moment for the GET that may still be in flight.
            eventLoop.scheduleTask(in: .seconds(1)) { self.environment.closed(self) }
        } else {
            environment.closed(self)
        }
    }
}
