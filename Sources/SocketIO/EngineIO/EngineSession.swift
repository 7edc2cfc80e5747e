import JSONCore
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// What the layer above Engine.IO hears from a session.
protocol EngineSessionDelegate: AnyObject, Sendable {
    /// A message packet's payload, in arrival order, from the transport that read it; synchronous, so a session
    /// holds no task: it must return quickly, and a delegate with async work holds back what follows (``Client``).
    func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload)
    /// The session ended; called once.
    func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason)
}

/// One Engine.IO session: its transport (long-polling, WebSocket, or polling while it upgrades),
/// the packets waiting for the next poll, and its heartbeat.
///
/// All mutable state sits behind one lock, taken briefly and never across an `await`, so any thread may
/// send to a session while its own transport task reads from it.
final class EngineSession: Sendable {
    enum Transport: Sendable {
        case polling
        case webSocket(WebSocketSink)
    }

    /// What a poll request gets back.
    enum PollOutcome: Sendable {
        case packets([EnginePacket])
        /// The request is not allowed now (overlapping poll, session upgraded or closed).
        case refused(EngineHTTPError)
    }

    private struct State {
        var isClosed = false
        /// A client that closes over POST may have its last GET still in flight: that GET gets a
        /// noop once, as it would had it arrived first, instead of an error.
        var answerForLatePoll: EnginePacket?
        var transport: Transport
        /// A WebSocket that is probing to replace polling.
        var probe: WebSocketSink?
        var outbox: [EnginePacket] = []
        /// Payload bytes in `outbox`, bounded by `maxOutboundBufferBytes`.
        var outboxBytes = 0

        /// What one poll carries: at most ``EngineSession/maxPacketsPerPoll`` packets, the rest wait for the next.
        mutating func takePollBatch() -> [EnginePacket] {
            let batch = Array(outbox.prefix(EngineSession.maxPacketsPerPoll))
            outbox.removeFirst(batch.count)
            outboxBytes -= batch.reduce(0) { $0 + $1.payloadBytes }
            return batch
        }
        var pendingPoll: CheckedContinuation<PollOutcome, Never>?
        var postInProgress = false
        var heartbeat: Scheduled<Void>?
        var upgradeTimer: Scheduled<Void>?
        var delegate: (any EngineSessionDelegate)?
    }

    /// Packets per poll response: python-engineio's clients refuse a payload of more than 16 ("Too many packets in
    /// payload") and drop the connection.
    static let maxPacketsPerPoll = 16

    let id: String
    let version: EngineProtocolVersion
    let handshake: HandshakeRequest
    private let timing: SocketIOOptions
    /// Where the session's timers run (and, for a WebSocket, where its channel lives).
    let eventLoop: any EventLoop
    private let state: Mutex<State>
    private let onClose: @Sendable (EngineSession) -> Void
    let logger: Logger

    init(
        id: String, version: EngineProtocolVersion, transport: Transport, handshake: HandshakeRequest,
        options: SocketIOOptions, eventLoop: any EventLoop, logger: Logger,
        onClose: @escaping @Sendable (EngineSession) -> Void
    ) {
        self.id = id
        self.version = version
        self.handshake = handshake
        self.timing = options
        self.eventLoop = eventLoop
        self.state = Mutex(State(transport: transport))
        self.onClose = onClose
        var logger = logger
        logger[metadataKey: "engine.sid"] = .string(id)
        self.logger = logger
    }

    func setDelegate(_ delegate: any EngineSessionDelegate) {
        state.withLock { $0.delegate = delegate }
    }

    var isClosed: Bool { state.withLock { $0.isClosed } }

    var isWebSocket: Bool {
        state.withLock { if case .webSocket = $0.transport { true } else { false } }
    }

    /// The open packet's JSON: what the client needs to know about this session.
    func openPacket(upgrades: [String]) -> EnginePacket {
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
    func send(_ packets: [EnginePacket]) {
        _ = send(packets, volatile: false)
    }

    /// Sends packets only if the client can take them now (socket.io's `volatile`): a WebSocket that is writable, or
    /// a poll that is waiting; otherwise they are dropped. Returns whether they were sent.
    func sendVolatile(_ packets: [EnginePacket]) -> Bool {
        send(packets, volatile: true)
    }

    private func send(_ packets: [EnginePacket], volatile: Bool) -> Bool {
        var sent = true
        var overflowed = false
        let waiting: (CheckedContinuation<PollOutcome, Never>, [EnginePacket])? = state.withLock { state in
            guard !state.isClosed else {
                sent = false
                return nil
            }
            switch state.transport {
            case .webSocket(let sink):
                guard !volatile || sink.isWritable else {
                    sent = false
                    return nil
                }
                sink.send(packets, version: version)
                return nil
            case .polling:
                guard !volatile || state.pendingPoll != nil else {
                    sent = false
                    return nil
                }
                state.outbox.append(contentsOf: packets)
                state.outboxBytes += packets.reduce(0) { $0 + $1.payloadBytes }
                guard let poll = state.pendingPoll else {
                    if state.outboxBytes > timing.maxOutboundBufferBytes { overflowed = true }
                    return nil
                }
                state.pendingPoll = nil
                return (poll, state.takePollBatch())
            }
        }
        if let (poll, batch) = waiting { poll.resume(returning: .packets(batch)) }
        if overflowed { closeForOverflow() }
        return sent
    }

    /// The client stopped collecting what it is sent (a WebSocket it does not read, polls it does not make): the
    /// session ends with `transport error` rather than the buffer growing without bound.
    func closeForOverflow() {
        logger.warning("closing a session whose client does not take what it is sent", metadata: [
            "limit": "\(timing.maxOutboundBufferBytes)",
        ])
        close(reason: .transportError, webSocketCode: .policyViolation)
    }

    // MARK: Long-polling

    /// A GET: the queued packets, or wait until there are some (or the session ends).
    func poll() async -> PollOutcome {
        enum Immediate { case outcome(PollOutcome), overlap }
        return await withCheckedContinuation { continuation in
            let immediate: Immediate? = state.withLock { state in
                if state.isClosed {
                    defer { state.answerForLatePoll = nil }
                    return .outcome(state.answerForLatePoll.map { .packets([$0]) } ?? .refused(.unknownSession))
                }
                guard case .polling = state.transport else { return .outcome(.refused(.badRequest)) }
                if state.pendingPoll != nil { return .overlap }
                if !state.outbox.isEmpty {
                    return .outcome(.packets(state.takePollBatch()))
                }
                // While a WebSocket probes, answer at once so the client can pause polling and upgrade.
                if state.probe != nil { return .outcome(.packets([EnginePacket(.noop)])) }
                state.pendingPoll = continuation
                return nil
            }
            switch immediate {
            case .outcome(let outcome)?: continuation.resume(returning: outcome)
            case .overlap?:
                continuation.resume(returning: .refused(.badRequest))
                close(reason: .transportError)
            case nil: break
            }
        }
    }

    /// A POST's packets, handled in order. Overlapping POSTs break the protocol and close the session.
    func receivePost(_ body: [UInt8]) -> EngineHTTPError? {
        enum Admission { case admitted, refused(EngineHTTPError), overlap }
        let admission: Admission = state.withLock { state in
            if state.isClosed { return .refused(.unknownSession) }
            guard case .polling = state.transport else { return .refused(.badRequest) }
            if state.postInProgress { return .overlap }
            state.postInProgress = true
            return .admitted
        }
        switch admission {
        case .admitted: break
        case .refused(let error): return error
        case .overlap:
            close(reason: .transportError)
            return .badRequest
        }
        defer { state.withLock { $0.postInProgress = false } }
        let packets: [EnginePacket]
        do {
            packets = try EnginePayloadCodec.decode(body, version: version)
        } catch {
            logger.debug("undecodable polling payload", metadata: ["error": "\(error)"])
            close(reason: .parseError)
            return .badRequest
        }
        for packet in packets { receive(packet) }
        return nil
    }

    // MARK: Incoming packets (both transports)

    func receive(_ packet: EnginePacket) {
        switch packet.kind {
        case .message:
            let delegate = state.withLock { $0.isClosed ? nil : $0.delegate }
            delegate?.engineSession(self, didReceive: packet.payload ?? .text(""))
        case .ping:
            guard version == .v3 else {
                // v4 heartbeats go server → client; a client ping is a protocol error.
                close(reason: .transportError)
                return
            }
            send([EnginePacket(.pong, packet.payload)])
            scheduleHeartbeat()
        case .pong:
            if version == .v4 { scheduleHeartbeat() }
        case .close:
            // The client is leaving: a held poll is released with a noop, as the reference server does.
            close(reason: .transportClose, releasingPollWith: EnginePacket(.noop))
        case .open, .upgrade, .noop:
            break
        }
    }

    // MARK: Heartbeat

    /// Starts (or restarts) the heartbeat: v4 pings after `pingInterval` and expects a pong within
    /// `pingTimeout`; v3 expects the client's own ping within `pingInterval + pingTimeout`.
    func scheduleHeartbeat() {
        let task: Scheduled<Void>
        switch version {
        case .v4:
            task = eventLoop.scheduleTask(in: .init(timing.pingInterval)) { [weak self] in self?.sendPing() ?? () }
        case .v3:
            task = eventLoop.scheduleTask(in: .init(timing.pingInterval + timing.pingTimeout)) { [weak self] in
                self?.close(reason: .pingTimeout) ?? ()
            }
        }
        replaceHeartbeat(with: task)
    }

    private func sendPing() {
        send([EnginePacket(.ping)])
        let timeout = eventLoop.scheduleTask(in: .init(timing.pingTimeout)) { [weak self] in
            self?.close(reason: .pingTimeout) ?? ()
        }
        replaceHeartbeat(with: timeout)
    }

    private func replaceHeartbeat(with task: Scheduled<Void>) {
        let (previous, closed) = state.withLock { state in
            let previous = state.heartbeat
            if !state.isClosed { state.heartbeat = task }
            return (previous, state.isClosed)
        }
        previous?.cancel()
        if closed { task.cancel() }
    }

    // MARK: Upgrade

    /// A WebSocket wants to take over from polling; returns false when the session cannot upgrade.
    func beginUpgrade(with sink: WebSocketSink) -> Bool {
        let timer = eventLoop.scheduleTask(in: .init(timing.upgradeTimeout)) { [weak self] in
            self?.abandonUpgrade(of: sink) ?? ()
        }
        let accepted = state.withLock { state in
            guard !state.isClosed, case .polling = state.transport, state.probe == nil else { return false }
            state.probe = sink
            state.upgradeTimer = timer
            return true
        }
        if !accepted { timer.cancel() }
        return accepted
    }

    /// The probe's packets: `ping probe` → `pong probe` (and a noop to release a held poll), `upgrade`
    /// → the WebSocket becomes the transport and gets everything queued meanwhile.
    func receiveOnProbe(_ packet: EnginePacket, sink: WebSocketSink) {
        switch packet.kind {
        case .ping where packet.payload == .text("probe"):
            sink.send([EnginePacket(.pong, .text("probe"))], version: version)
            let poll: CheckedContinuation<PollOutcome, Never>? = state.withLock { state in
                defer { state.pendingPoll = nil }
                return state.pendingPoll
            }
            poll?.resume(returning: .packets([EnginePacket(.noop)]))
        case .upgrade:
            let (poll, timer): (CheckedContinuation<PollOutcome, Never>?, Scheduled<Void>?) = state.withLock { state in
                guard !state.isClosed, state.probe === sink else { return (nil, nil) }
                state.transport = .webSocket(sink)
                state.probe = nil
                sink.send(state.outbox, version: version)
                state.outbox.removeAll()
                state.outboxBytes = 0
                defer { state.pendingPoll = nil; state.upgradeTimer = nil }
                return (state.pendingPoll, state.upgradeTimer)
            }
            timer?.cancel()
            poll?.resume(returning: .packets([EnginePacket(.noop)]))
        default:
            abandonUpgrade(of: sink)
        }
    }

    /// Drops a probe that failed or timed out; the session goes on polling.
    func abandonUpgrade(of sink: WebSocketSink) {
        let dropped: Scheduled<Void>?? = state.withLock { state in
            guard state.probe === sink else { return nil }
            state.probe = nil
            defer { state.upgradeTimer = nil }
            return .some(state.upgradeTimer)
        }
        guard let timer = dropped else { return }
        timer?.cancel()
        sink.close()
    }

    /// Whether `sink` is (now) this session's transport.
    func isTransport(_ sink: WebSocketSink) -> Bool {
        state.withLock { if case .webSocket(let current) = $0.transport { current === sink } else { false } }
    }

    // MARK: Closing

    /// Ends the session once: releases a held poll (with a close packet unless told otherwise), closes the WebSocket (code 1009
    /// for an oversized message), stops timers, tells the delegate and the server.
    func close(
        reason: EngineCloseReason, webSocketCode: WebSocketErrorCode = .normalClosure,
        releasingPollWith pollAnswer: EnginePacket = EnginePacket(.close)
    ) {
        let closed: State? = state.withLock { state in
            guard !state.isClosed else { return nil }
            state.isClosed = true
            if pollAnswer.kind == .noop, state.pendingPoll == nil { state.answerForLatePoll = pollAnswer }
            let snapshot = state
            state.pendingPoll = nil
            state.delegate = nil
            state.heartbeat = nil
            state.upgradeTimer = nil
            state.outbox = []
            state.outboxBytes = 0
            return snapshot
        }
        guard let closed else { return }
        logger.debug("engine session closed", metadata: ["reason": .string(reason.rawValue)])
        closed.heartbeat?.cancel()
        closed.upgradeTimer?.cancel()
        closed.pendingPoll?.resume(returning: .packets([pollAnswer]))
        closed.probe?.close()
        if case .webSocket(let sink) = closed.transport { sink.close(webSocketCode) }
        closed.delegate?.engineSessionDidClose(self, reason: reason)
        if state.withLock({ $0.answerForLatePoll != nil }) {
            eventLoop.scheduleTask(in: .seconds(1)) { self.onClose(self) }
        } else {
            onClose(self)
        }
    }
}
