import DequeModule
import JSONCore
import Logging
import Synchronization

/// The session store of one process: packet logs and disconnected sessions in memory, within a byte budget. A cluster's
/// nodes keep their logs in one each (``ClusterSessionStore``).
///
/// What it holds expires with its namespace's window. Beyond ``maxBytes`` (the encoded packets' bytes, a session's
/// JSON size, plus a fixed overhead per entry), the oldest packet of the namespace being written to goes first, then
/// the oldest session; a client whose resume point was evicted connects anew. Every eviction is counted
/// (``evictions``) and logged at most once every 10 s.
public final class InMemorySessionStore: SessionStore {
    private struct LoggedPacket {
        var origin: String
        var sequence: UInt64
        /// Stamped with the log's position once it was in: ``stampLength`` bytes before the closing `]`.
        var packet: EncodedSocketIOPacket
        var stampLength: Int
        var options: BroadcastOptions
        var bytes: Int
        var expires: ContinuousClock.Instant

        /// The position the packet was stamped with.
        var position: RecoveryPosition {
            let text = packet.text
            // `,"<offset>"` before the `]`: offsets need no escaping.
            let offset = text[(text.count - stampLength + 1)..<(text.count - 2)]
            guard let position = RecoveryPosition(text: String(decoding: offset, as: UTF8.self)) else {
                preconditionFailure("a recorded packet carries the position it was stamped with")
            }
            return position
        }
    }

    /// What the log knows of one origin's packets.
    private struct OriginRecord {
        /// The log holds every packet of the origin from this sequence number to the head's: earlier ones were
        /// trimmed, evicted, published before this node heard the origin, or lost on the way.
        var completeFrom: UInt64
        /// When the origin leaves the head, unheard from for twice the window: no session can still need it.
        var forgetAt: ContinuousClock.Instant
    }

    private struct StoredSession {
        var session: PersistedSession
        var bytes: Int
        var expires: ContinuousClock.Instant
    }

    private struct NamespaceLog {
        var packets: Deque<LoggedPacket> = []
        var head = RecoveryPosition()
        var origins: [String: OriginRecord] = [:]
        /// Origins that left the head: a client's offset may still name them, for packets it has.
        var forgotten: Set<String> = []
        var sessions: [String: StoredSession] = [:]
        /// Session ids in the order they were persisted, for expiry and eviction (ids taken since stay until reached).
        var sessionOrder: Deque<String> = []

        /// Whether the log has heard every packet up to `position` (except from origins it forgot).
        func hasHeard(_ position: RecoveryPosition) -> Bool {
            position.sequences.allSatisfy { origin, sequence in forgotten.contains(origin) || head[origin] >= sequence }
        }

        /// Whether the log holds every packet after `position`: it heard up to it, and has not lost any since.
        func holdsEverything(after position: RecoveryPosition) -> Bool {
            hasHeard(position) && origins.allSatisfy { origin, record in
                head[origin] <= position[origin] || record.completeFrom <= position[origin] + 1
            }
        }
    }

    private struct State {
        var logs: [String: NamespaceLog] = [:]
        var bytes = 0
        var evictions = 0
        var lastEvictionLog: ContinuousClock.Instant?
    }

    /// Bytes of packets and sessions kept at most, across namespaces.
    public let maxBytes: Int
    /// The origin of this process's own packets: unnamed on a single process.
    public let origin: String
    private let logger: Logger
    private let state = Mutex(State())
    /// Per entry, beyond its JSON: the entry itself, its deque slot, its options.
    static let entryOverhead = 128

    public init(maxBytes: Int = 64 << 20, origin: String = "", logger: Logger = Logger(label: "socketio.recovery")) {
        self.maxBytes = maxBytes
        self.origin = origin
        self.logger = logger
    }

    public var survivesRestart: Bool { false }

    /// Packets and sessions evicted for the budget since start.
    public var evictions: Int { state.withLock { $0.evictions } }

    public func head(in namespace: String) -> RecoveryPosition { state.withLock { $0.logs[namespace]?.head ?? RecoveryPosition() } }

    public func record(_ packet: EncodedSocketIOPacket, from source: PacketOrigin?, options: BroadcastOptions, in namespace: String,
                       retention: Duration) -> (stamped: EncodedSocketIOPacket, origin: PacketOrigin) {
        let now = ContinuousClock.now
        return evicting(in: namespace) { state in
            var log = state.logs.removeValue(forKey: namespace) ?? NamespaceLog()
            defer { state.logs[namespace] = log }
            let source = source ?? PacketOrigin(origin: origin, sequence: log.head[origin] + 1)
            // First heard of, or a packet lost on the way: the log is complete from here on.
            let continues = log.origins[source.origin] != nil && source.sequence == log.head[source.origin] + 1
            let completeFrom = continues ? log.origins[source.origin]!.completeFrom : source.sequence
            log.origins[source.origin] = OriginRecord(completeFrom: completeFrom, forgetAt: now + retention * 2)
            log.forgotten.remove(source.origin)
            log.head.advance(source.origin, to: source.sequence)
            let (stamped, stampLength) = packet.appending(argument: log.head.text)
            let bytes = stamped.attachments.reduce(Self.entryOverhead + stamped.text.count) { $0 + $1.count }
            log.packets.append(LoggedPacket(origin: source.origin, sequence: source.sequence, packet: stamped, stampLength: stampLength,
                                            options: options, bytes: bytes, expires: now + retention))
            state.bytes += bytes
            return (stamped, source)
        }
    }

    public func persist(_ session: PersistedSession, in namespace: String, retention: Duration) {
        let bytes = session.rooms.reduce(Self.entryOverhead + session.data.approximateSize) { $0 + $1.utf8.count }
        let now = ContinuousClock.now
        evicting(in: namespace) { state in
            var log = state.logs.removeValue(forKey: namespace) ?? NamespaceLog()
            if let replaced = log.sessions.updateValue(
                StoredSession(session: session, bytes: bytes, expires: now + retention), forKey: session.pid) {
                state.bytes -= replaced.bytes
            }
            log.sessionOrder.append(session.pid)
            state.logs[namespace] = log
            state.bytes += bytes
        }
    }

    public func take(pid: String, after position: RecoveryPosition?, in namespace: String) async -> PersistedSession? {
        state.withLock { state in
            Self.expire(&state, now: .now, keeping: origin)
            guard let stored = state.logs[namespace]?.sessions[pid] else { return nil }
            let resume = position ?? stored.session.start
            // A packet after the resume point was trimmed or evicted, or the offset was never handed out: the session
            // stays, and its window ends unrecovered.
            guard state.logs[namespace]?.holdsEverything(after: resume.joined(with: stored.session.start)) == true else { return nil }
            state.logs[namespace]?.sessions.removeValue(forKey: pid)
            state.bytes -= stored.bytes
            var session = stored.session
            session.resumeAfter = resume
            return session
        }
    }

    public func snapshot(of namespace: String) -> RecoveryLogSnapshot {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let log = state.logs[namespace] else { return RecoveryLogSnapshot() }
            let entries = log.packets.filter { $0.expires > now }.map { packet in
                RecoveryLogSnapshot.Entry(
                    origin: PacketOrigin(origin: packet.origin, sequence: packet.sequence), packet: packet.packet,
                    stampLength: packet.stampLength, options: packet.options, remaining: packet.expires - now)
            }
            return RecoveryLogSnapshot(entries: entries, completeFrom: log.origins.mapValues(\.completeFrom), head: log.head)
        }
    }

    /// Puts another node's packets before this log's own, for each origin those older than what this log holds from
    /// it (a node that started hears each origin from some packet on; the snapshot has what came before): the log is
    /// then complete for an origin from where the snapshot was, if the two meet. Packets, origins and head as the
    /// snapshot says, for the origins this log had not heard.
    public func adopt(_ snapshot: RecoveryLogSnapshot, in namespace: String, retention: Duration) {
        let now = ContinuousClock.now
        evicting(in: namespace) { state in
            var log = state.logs.removeValue(forKey: namespace) ?? NamespaceLog()
            defer { state.logs[namespace] = log }
            var older: Deque<LoggedPacket> = []
            for entry in snapshot.entries where entry.origin.sequence < log.origins[entry.origin.origin]?.completeFrom ?? .max {
                let bytes = entry.packet.attachments.reduce(Self.entryOverhead + entry.packet.text.count) { $0 + $1.count }
                older.append(LoggedPacket(origin: entry.origin.origin, sequence: entry.origin.sequence, packet: entry.packet,
                                          stampLength: entry.stampLength, options: entry.options, bytes: bytes,
                                          expires: now + entry.remaining))
                state.bytes += bytes
            }
            log.packets = older + log.packets
            for (origin, from) in snapshot.completeFrom {
                let head = snapshot.head[origin]
                if let record = log.origins[origin] {
                    // The snapshot reaches the first packet this log holds: complete from the snapshot's start.
                    if head + 1 >= record.completeFrom { log.origins[origin]?.completeFrom = min(from, record.completeFrom) }
                } else {
                    log.origins[origin] = OriginRecord(completeFrom: from, forgetAt: now + retention * 2)
                    log.forgotten.remove(origin)
                }
                if head > log.head[origin] { log.head.advance(origin, to: head) }
            }
        }
    }

    /// Whether the log of `namespace` has heard every packet up to `position`: a cluster's node waits for what its
    /// client had from another node to reach it.
    func hasHeard(_ position: RecoveryPosition, in namespace: String) -> Bool {
        state.withLock { $0.logs[namespace, default: NamespaceLog()].hasHeard(position) }
    }

    /// Whether the log of `namespace` holds every packet after `position`.
    func holdsEverything(after position: RecoveryPosition, in namespace: String) -> Bool {
        state.withLock { state in
            Self.expire(&state, now: .now, keeping: origin)
            return state.logs[namespace, default: NamespaceLog()].holdsEverything(after: position)
        }
    }

    public func missed(by session: PersistedSession, in namespace: String) -> [EncodedSocketIOPacket] {
        let after = session.resumeAfter.joined(with: session.start)
        return state.withLock { state in
            guard let log = state.logs[namespace] else { return [] }
            let packets = log.packets
            // Positions grow along the log (a forgotten origin's part stays as it was, then goes): skip the packets
            // the client's position covers.
            var low = packets.startIndex, high = packets.endIndex
            while low < high {
                let middle = (low + high) / 2
                if after.covers(packets[middle].position, ignoring: log.forgotten) { low = middle + 1 } else { high = middle }
            }
            return packets[low...].compactMap { packet in
                guard packet.sequence > after[packet.origin], Self.reaches(packet, session) else { return nil }
                // Recorded in another order than the client's node had: its offset must not step back behind what the
                // client had, or a second recovery would replay it again.
                let position = packet.position
                guard !position.covers(after) else { return packet.packet }
                return packet.packet.removingArgument(length: packet.stampLength)
                    .appending(argument: position.joined(with: after).text).packet
            }
        }
    }

    public func expire(pid: String, disconnection: String, in namespace: String) async -> Bool {
        state.withLock { state in
            guard state.logs[namespace]?.sessions[pid]?.session.disconnection == disconnection,
                  let stored = state.logs[namespace]?.sessions.removeValue(forKey: pid) else { return false }
            state.bytes -= stored.bytes
            return true
        }
    }

    /// Kept in this process: nothing to wait for.
    public func flush() async {}

    /// socket.io's `shouldIncludePacket` — a packet for any of the session's rooms (or everyone), excluding none of
    /// them — with a room counting only for the packets recorded after the socket joined it.
    private static func reaches(_ packet: LoggedPacket, _ session: PersistedSession) -> Bool {
        let options = packet.options
        guard options.except.isDisjoint(with: session.rooms) else { return false }
        if options.rooms.isEmpty { return true }
        return options.rooms.contains { room in
            session.rooms.contains(room) && packet.sequence > (session.joined[room] ?? session.start)[packet.origin]
        }
    }

    // MARK: Expiry and the budget

    /// Applies `change`, drops what expired, then evicts until the budget holds.
    @discardableResult
    private func evicting<Result>(in namespace: String, _ change: (inout State) -> Result) -> Result {
        let (result, evicted): (Result, (count: Int, total: Int)?) = state.withLock { state in
            let now = ContinuousClock.now
            let result = change(&state)
            Self.expire(&state, now: now, keeping: origin)
            var count = 0
            while state.bytes > maxBytes, Self.evictOne(&state, preferring: namespace) { count += 1 }
            guard count > 0 else { return (result, nil) }
            state.evictions += count
            if let last = state.lastEvictionLog, now - last < .seconds(10) { return (result, nil) }
            state.lastEvictionLog = now
            return (result, (count, state.evictions))
        }
        if let evicted {
            logger.warning("recovery buffer full: evicted the oldest packets or sessions; clients that needed them connect anew", metadata: [
                "maxBytes": "\(maxBytes)", "evicted": "\(evicted.count)", "evictedSinceStart": "\(evicted.total)",
            ])
        }
        return result
    }

    // The logs are taken out of the dictionary while they change, and put back: a copy left in it would make every
    // change copy the whole deque.

    /// Drops the packets and sessions whose window ended, and forgets the origins unheard from for twice the window
    /// (never `own`, this process's).
    private static func expire(_ state: inout State, now: ContinuousClock.Instant, keeping own: String) {
        for namespace in Array(state.logs.keys) {
            guard var log = state.logs.removeValue(forKey: namespace) else { continue }
            while let first = log.packets.first, first.expires <= now {
                log.packets.removeFirst()
                trimmed(first, from: &log)
                state.bytes -= first.bytes
            }
            for (origin, record) in log.origins where record.forgetAt <= now && origin != own {
                log.origins.removeValue(forKey: origin)
                log.head.forget(origin)
                log.forgotten.insert(origin)
            }
            while let pid = log.sessionOrder.first {
                guard let stored = log.sessions[pid] else {
                    log.sessionOrder.removeFirst()
                    continue
                }
                guard stored.expires <= now else { break }
                log.sessionOrder.removeFirst()
                log.sessions.removeValue(forKey: pid)
                state.bytes -= stored.bytes
            }
            state.logs[namespace] = log
        }
    }

    /// A packet left the log: its origin's packets are complete only after it.
    private static func trimmed(_ packet: LoggedPacket, from log: inout NamespaceLog) {
        if let record = log.origins[packet.origin], record.completeFrom <= packet.sequence {
            log.origins[packet.origin]?.completeFrom = packet.sequence + 1
        }
    }

    /// Evicts the oldest packet of `namespace`, else of any namespace, else the oldest session; false when empty.
    private static func evictOne(_ state: inout State, preferring namespace: String) -> Bool {
        let candidates = [namespace] + state.logs.keys.filter { $0 != namespace }
        for name in candidates {
            guard var log = state.logs.removeValue(forKey: name) else { continue }
            defer { state.logs[name] = log }
            guard let first = log.packets.popFirst() else { continue }
            trimmed(first, from: &log)
            state.bytes -= first.bytes
            return true
        }
        for name in candidates {
            while let pid = state.logs[name]?.sessionOrder.popFirst() {
                guard let stored = state.logs[name]?.sessions.removeValue(forKey: pid) else { continue }
                state.bytes -= stored.bytes
                return true
            }
        }
        return false
    }
}

extension JSONValue {
    /// About the bytes of its JSON text: what the recovery budget counts for a session's data.
    var approximateSize: Int {
        switch self {
        case .null, .bool: 5
        case .int, .double: 12
        case .string(let text): text.utf8.count + 2
        case .binary(let bytes): bytes.count
        case .array(let items): items.reduce(2) { $0 + $1.approximateSize + 1 }
        case .object(let members): members.reduce(2) { $0 + $1.key.utf8.count + 4 + $1.value.approximateSize }
        }
    }
}
