/// The rules of one Engine.IO session, as a value: which transport carries it, what waits for the next poll, the
/// probe of an upgrade, and what is left once it closed.
///
/// Every event is a `mutating` method that returns what the session must do; the machine does no I/O and owns no
/// timers, so each transition can be tested on its own. ``EngineSession`` runs it on one event loop, which orders
/// every event (a poll, a frame, a timer) against every other.
///
/// `Poll` is what answers a held GET, `Socket` identifies a WebSocket (compared with `===`).
struct EngineSessionStateMachine<Poll, Socket: AnyObject> {
    enum State {
        case polling(Polling)
        case webSocket(Socket)
        /// `latePollAnswer`: a client that closes over POST may have its last GET still in flight; that GET gets this
        /// noop once, as it would had it arrived first, instead of an error.
        case closed(latePollAnswer: EnginePacket?)
        /// While a method changes the polling state it took out (swift-nio's pattern): `state` then holds no second
        /// reference to the outbox, so appending to it or taking a batch does not copy it. Never seen outside one.
        case modifying
    }

    struct Polling {
        var outbox: [EnginePacket] = []
        /// Payload bytes in `outbox`, bounded by `outboxLimit`.
        var outboxBytes = 0
        var heldPoll: Poll?
        /// A WebSocket that is probing to replace polling.
        var probe: Probe?

        /// What one poll carries: at most ``maxPacketsPerPoll`` packets, the rest wait for the next.
        mutating func takeBatch() -> [EnginePacket] {
            let batch = Array(outbox.prefix(EngineSessionStateMachine.maxPacketsPerPoll))
            outbox.removeFirst(batch.count)
            outboxBytes -= batch.reduce(0) { $0 + $1.payloadBytes }
            return batch
        }
    }

    /// Packets per poll response: python-engineio's clients refuse a payload of more than 16 ("Too many packets in
    /// payload") and drop the connection.
    static var maxPacketsPerPoll: Int { 16 }

    struct Probe {
        var socket: Socket
        /// The client's `ping probe` has been answered: from here a poll is held until the upgrade refuses it or
        /// ``releaseHeldPoll()`` lets the client pause polling. A poll can no longer win a race with the `upgrade`
        /// packet the client sends next.
        var answered = false
    }

    private(set) var state: State = .polling(Polling())
    /// Other WebSockets for this session that came while a probe was under way: refused once the probe is decided, so
    /// their close cannot overtake the probe's answers.
    private var refusalsAfterProbe: [Socket] = []
    let version: EngineProtocolVersion
    let outboxLimit: Int

    init(transport: Socket?, version: EngineProtocolVersion, outboxLimit: Int) {
        self.version = version
        self.outboxLimit = outboxLimit
        if let transport { state = .webSocket(transport) }
    }

    var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Payload bytes waiting for the next poll (none once a WebSocket carries the session, or it closed).
    var outboxBytes: Int {
        if case .polling(let polling) = state { return polling.outboxBytes }
        return 0
    }

    // MARK: Sending

    enum SendAction {
        case write(to: Socket)
        /// The held poll takes a batch of what waits.
        case answer(Poll, [EnginePacket])
        case none
        /// More than `outboxLimit` waits for a client that does not poll: close the session.
        case overflowed
    }

    /// `volatile`: only if the client can take it now (a waiting poll; for a WebSocket, the caller checks writability).
    /// `packets` is read only for polling: a WebSocket writes its frames as they are.
    mutating func send(_ packets: @autoclosure () -> [EnginePacket], volatile: Bool) -> SendAction {
        switch state {
        case .closed:
            return .none
        case .webSocket(let socket):
            return .write(to: socket)
        case .modifying:
            preconditionFailure("send while the state is being modified")
        case .polling(var polling):
            guard !volatile || polling.heldPoll != nil else { return .none }
            state = .modifying
            let packets = packets()
            polling.outbox.append(contentsOf: packets)
            polling.outboxBytes += packets.reduce(0) { $0 + $1.payloadBytes }
            if let poll = polling.heldPoll, polling.probe?.answered != true {
                polling.heldPoll = nil
                let batch = polling.takeBatch()
                state = .polling(polling)
                return .answer(poll, batch)
            }
            state = .polling(polling)
            return polling.outboxBytes > outboxLimit ? .overflowed : .none
        }
    }

    // MARK: Long-polling

    enum PollAction {
        case answer(Poll, EnginePollOutcome)
        /// The session upgraded: the poll is refused once what the WebSocket was sent (`3probe` among it) is out, so
        /// the client cannot see the refusal first.
        case refuseAfterWrites(RefusalsAfterWrites)
        case hold
        /// Held while an answered probe is under way: until the upgrade refuses it or ``releaseHeldPoll()``.
        case holdDuringUpgrade
        /// A second GET while one is held breaks the protocol: refuse it and close the session.
        case refuseOverlap(Poll)
    }

    mutating func poll(_ poll: Poll) -> PollAction {
        switch state {
        case .closed(let late):
            state = .closed(latePollAnswer: nil)
            return .answer(poll, late.map { .packets([$0]) } ?? .refused(.unknownSession))
        case .webSocket(let socket):
            return .refuseAfterWrites(RefusalsAfterWrites(transport: socket, poll: poll))
        case .modifying:
            preconditionFailure("poll while the state is being modified")
        case .polling(var polling):
            if polling.heldPoll != nil { return .refuseOverlap(poll) }
            state = .modifying
            if !polling.outbox.isEmpty, polling.probe?.answered != true {
                let batch = polling.takeBatch()
                state = .polling(polling)
                return .answer(poll, .packets(batch))
            }
            polling.heldPoll = poll
            state = .polling(polling)
            return polling.probe?.answered == true ? .holdDuringUpgrade : .hold
        }
    }

    /// Whether a POST may deliver packets now.
    func admitPost() -> EngineHTTPError? {
        switch state {
        case .closed: .unknownSession
        case .webSocket: .badRequest
        case .polling: nil
        case .modifying: preconditionFailure("admitPost while the state is being modified")
        }
    }

    // MARK: Incoming packets

    /// Where a packet came from: a POST, or a WebSocket (the transport, a probe, or a stale one).
    enum Origin {
        case post
        case socket(Socket)
    }

    enum ReceiveAction {
        case deliver(EnginePacket.Payload)
        /// v3: answer the client's ping and expect the next one.
        case pong(EnginePacket.Payload?)
        /// v4: the client answered our ping.
        case heartbeatAnswered
        case close(EngineCloseReason, releasingPollWith: EnginePacket)
        case none
        case probe(ProbeAction)
    }

    enum ProbeAction {
        /// Write `pong probe`; release a held poll shortly (``releaseHeldPoll()``) unless the upgrade comes first.
        case answer(Socket)
        /// The WebSocket is the transport now: write what waited to it, then refuse the held poll (the client paused
        /// polling before upgrading, so a GET held now is stale) and the WebSockets that waited for the probe; cancel
        /// the upgrade timeout.
        case upgraded(Socket, flush: [EnginePacket], then: RefusalsAfterWrites)
        /// Not a probe packet: drop the probe, refuse the WebSockets that waited for it.
        case abandon(Socket, refusing: [Socket])
    }

    /// Refusals that wait until what `transport` was sent is written: the client must see the upgrade succeed
    /// (`3probe`, what waited for it) before it sees a poll or another WebSocket of the session turned away.
    struct RefusalsAfterWrites {
        var transport: Socket
        /// Refused with `bad request`.
        var poll: Poll?
        var webSockets: [Socket] = []
    }

    mutating func receive(_ packet: EnginePacket, from origin: Origin) -> ReceiveAction {
        switch (state, origin) {
        case (.closed, _):
            return .none
        case (.polling(let polling), .socket(let socket)):
            guard let probe = polling.probe, probe.socket === socket else { return .none }
            return .probe(receiveOnProbe(packet, polling: polling))
        case (.webSocket(let transport), .socket(let socket)) where transport !== socket:
            return .none
        case (.webSocket, .post):
            return .none
        case (.modifying, _):
            preconditionFailure("receive while the state is being modified")
        default:
            break
        }
        switch packet.kind {
        case .message:
            return .deliver(packet.payload ?? .text(""))
        case .ping:
            // v4 heartbeats go server → client; a client ping is a protocol error.
            return version == .v3 ? .pong(packet.payload) : .close(.transportError, releasingPollWith: EnginePacket(.close))
        case .pong:
            return version == .v4 ? .heartbeatAnswered : .none
        case .close:
            // The client is leaving: a held poll is released with a noop, as the reference server does.
            return .close(.transportClose, releasingPollWith: EnginePacket(.noop))
        case .open, .upgrade, .noop:
            return .none
        }
    }

    private mutating func receiveOnProbe(_ packet: EnginePacket, polling: Polling) -> ProbeAction {
        guard var probe = polling.probe else { preconditionFailure("receiveOnProbe without a probe") }
        var polling = polling
        switch packet.kind {
        case .ping where packet.payload == .text("probe"):
            probe.answered = true
            polling.probe = probe
            state = .polling(polling)
            return .answer(probe.socket)
        case .upgrade:
            state = .webSocket(probe.socket)
            let refusals = RefusalsAfterWrites(transport: probe.socket, poll: polling.heldPoll, webSockets: takeRefusalsAfterProbe())
            return .upgraded(probe.socket, flush: polling.outbox, then: refusals)
        default:
            polling.probe = nil
            state = .polling(polling)
            return .abandon(probe.socket, refusing: takeRefusalsAfterProbe())
        }
    }

    // MARK: Upgrade

    enum UpgradeAdmission {
        case probing
        /// Closed already.
        case refused
        /// Upgraded already: refused once what the session's WebSocket was sent is out (`3probe` among it), so the
        /// client cannot see the refusal first.
        case refusedAfterWrites(RefusalsAfterWrites)
        /// Another probe is under way: the WebSocket is refused with the action that ends it.
        case refusedOnceProbeEnds
    }

    /// A WebSocket wants to take over from polling.
    mutating func beginUpgrade(with socket: Socket) -> UpgradeAdmission {
        if case .webSocket(let transport) = state {
            return .refusedAfterWrites(RefusalsAfterWrites(transport: transport, webSockets: [socket]))
        }
        guard case .polling(var polling) = state else { return .refused }
        guard polling.probe == nil else {
            refusalsAfterProbe.append(socket)
            return .refusedOnceProbeEnds
        }
        polling.probe = Probe(socket: socket)
        state = .polling(polling)
        return .probing
    }

    /// The WebSockets to refuse now that the probe has ended (upgraded, dropped, closed).
    private mutating func takeRefusalsAfterProbe() -> [Socket] {
        defer { refusalsAfterProbe = [] }
        return refusalsAfterProbe
    }

    /// Answers a held poll so polling moves on: with a noop while an answered probe is under way (the client pauses
    /// polling and sends `upgrade`; what waits goes over the WebSocket), otherwise with what waited, or a noop.
    mutating func releaseHeldPoll() -> (Poll, [EnginePacket])? {
        guard case .polling(var polling) = state, let poll = polling.heldPoll else { return nil }
        state = .modifying
        polling.heldPoll = nil
        var answer = [EnginePacket(.noop)]
        if polling.probe?.answered != true, !polling.outbox.isEmpty {
            answer = polling.takeBatch()
        }
        state = .polling(polling)
        return (poll, answer)
    }

    /// Drops `socket`'s probe (it failed, closed or timed out); the session goes on polling. Returns the WebSockets
    /// that waited for the probe, to refuse now; nil when `socket` was not the probe.
    mutating func abandonUpgrade(of socket: Socket) -> [Socket]? {
        guard case .polling(var polling) = state, let probe = polling.probe, probe.socket === socket else { return nil }
        polling.probe = nil
        state = .polling(polling)
        return takeRefusalsAfterProbe()
    }

    /// Whether `socket` is the session's transport (not a probe, not a stale one).
    func isTransport(_ socket: Socket) -> Bool {
        if case .webSocket(let transport) = state { return transport === socket }
        return false
    }

    // MARK: Closing

    struct CloseAction {
        var heldPoll: Poll?
        var probe: Socket?
        var webSocket: Socket?
        /// WebSockets that waited for the probe: refused now.
        var waitingWebSockets: [Socket] = []
    }

    /// Ends the session once; nil when it had ended already. A held poll is to be answered with `pollAnswer`.
    mutating func close(releasingPollWith pollAnswer: EnginePacket) -> CloseAction? {
        switch state {
        case .closed:
            return nil
        case .modifying:
            preconditionFailure("close while the state is being modified")
        case .webSocket(let socket):
            state = .closed(latePollAnswer: nil)
            return CloseAction(webSocket: socket)
        case .polling(let polling):
            let late = pollAnswer.kind == .noop && polling.heldPoll == nil ? pollAnswer : nil
            state = .closed(latePollAnswer: late)
            return CloseAction(heldPoll: polling.heldPoll, probe: polling.probe?.socket, waitingWebSockets: takeRefusalsAfterProbe())
        }
    }
}

/// Carried to the loop's next turn, after the transport's queued writes.
extension EngineSessionStateMachine.RefusalsAfterWrites: Sendable where Poll: Sendable, Socket: Sendable {}
