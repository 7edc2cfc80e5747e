import DequeModule
import JSONCore
import Logging
import Synchronization

/// The session store of one node: packet logs and disconnected sessions in memory, within a byte budget.
///
/// What it holds expires with its namespace's window. Beyond ``maxBytes`` (the encoded packets' bytes, a session's
/// JSON size, plus a fixed overhead per entry), the oldest packet of the namespace being written to goes first, then the oldest session; a
/// client whose resume point was evicted connects anew. Every eviction is counted (``evictions``) and logged at most
/// once every 10 s.
public final class InMemorySessionStore: SessionStore {
    private struct LoggedPacket {
        var offset: UInt64
        var packet: EncodedSocketIOPacket
        var options: BroadcastOptions
        var bytes: Int
        var expires: ContinuousClock.Instant
    }

    private struct StoredSession {
        var session: PersistedSession
        var bytes: Int
        var expires: ContinuousClock.Instant
    }

    private struct NamespaceLog {
        var packets: Deque<LoggedPacket> = []
        /// The highest offset removed from `packets`: a client that resumes before it may have missed a packet.
        var trimmedThrough: UInt64 = 0
        var sessions: [String: StoredSession] = [:]
        /// Session ids in the order they were persisted, for expiry and eviction (ids taken since stay until reached).
        var sessionOrder: Deque<String> = []
    }

    private struct State {
        var offset: UInt64 = 0
        var logs: [String: NamespaceLog] = [:]
        var bytes = 0
        var evictions = 0
        var lastEvictionLog: ContinuousClock.Instant?
    }

    /// Bytes of packets and sessions kept at most, across namespaces.
    public let maxBytes: Int
    public let offsets: RecoveryOffsets
    private let logger: Logger
    private let state = Mutex(State())
    /// Per entry, beyond its JSON: the entry itself, its deque slot, its options.
    static let entryOverhead = 128

    public init(maxBytes: Int = 64 << 20, offsets: RecoveryOffsets = RecoveryOffsets(),
                logger: Logger = Logger(label: "socketio.recovery")) {
        self.maxBytes = maxBytes
        self.offsets = offsets
        self.logger = logger
    }

    public var survivesRestart: Bool { false }

    /// Packets and sessions evicted for the budget since start.
    public var evictions: Int { state.withLock { $0.evictions } }

    public func head() -> UInt64 { state.withLock { $0.offset } }

    public func nextOffset() -> UInt64 {
        state.withLock { state in
            state.offset += 1
            return state.offset
        }
    }

    public func record(_ offset: UInt64, packet: EncodedSocketIOPacket, options: BroadcastOptions, in namespace: String, retention: Duration) {
        let bytes = packet.attachments.reduce(Self.entryOverhead + packet.text.count) { $0 + $1.count }
        let now = ContinuousClock.now
        evicting(in: namespace) { state in
            state.logs[namespace, default: NamespaceLog()].packets.append(
                LoggedPacket(offset: offset, packet: packet, options: options, bytes: bytes, expires: now + retention))
            state.bytes += bytes
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

    public func take(pid: String, after offset: UInt64?, in namespace: String) -> PersistedSession? {
        state.withLock { state in
            Self.expire(&state, now: .now)
            guard let stored = state.logs[namespace]?.sessions[pid], let trimmedThrough = state.logs[namespace]?.trimmedThrough else {
                return nil
            }
            let resume = offset ?? stored.session.start
            // A packet after the resume point was trimmed or evicted, or the offset was never handed out: the session
            // stays, and its window ends unrecovered.
            guard resume >= trimmedThrough, resume <= state.offset else { return nil }
            state.logs[namespace]?.sessions.removeValue(forKey: pid)
            state.bytes -= stored.bytes
            var session = stored.session
            session.resumeAfter = resume
            return session
        }
    }

    public func missed(by session: PersistedSession, in namespace: String) -> [EncodedSocketIOPacket] {
        state.withLock { state in
            guard let packets = state.logs[namespace]?.packets else { return [] }
            // Offsets grow along the deque: start at the first one after the resume point.
            var low = packets.startIndex, high = packets.endIndex
            while low < high {
                let middle = (low + high) / 2
                if packets[middle].offset <= session.resumeAfter { low = middle + 1 } else { high = middle }
            }
            return packets[low...].filter { Self.reaches($0, session) }.map(\.packet)
        }
    }

    public func expire(pid: String, disconnection: String, in namespace: String) -> Bool {
        state.withLock { state in
            guard state.logs[namespace]?.sessions[pid]?.session.disconnection == disconnection,
                  let stored = state.logs[namespace]?.sessions.removeValue(forKey: pid) else { return false }
            state.bytes -= stored.bytes
            return true
        }
    }

    /// socket.io's `shouldIncludePacket` — a packet for any of the session's rooms (or everyone), excluding none of
    /// them — with a room counting only for the packets recorded after the socket joined it.
    private static func reaches(_ packet: LoggedPacket, _ session: PersistedSession) -> Bool {
        let options = packet.options
        guard options.except.isDisjoint(with: session.rooms) else { return false }
        if options.rooms.isEmpty { return true }
        return options.rooms.contains { room in
            session.rooms.contains(room) && packet.offset > session.joined[room, default: session.start]
        }
    }

    // MARK: Expiry and the budget

    /// Applies `change`, drops what expired, then evicts until the budget holds.
    private func evicting(in namespace: String, _ change: (inout State) -> Void) {
        let evicted: (count: Int, total: Int)? = state.withLock { state in
            let now = ContinuousClock.now
            change(&state)
            Self.expire(&state, now: now)
            var count = 0
            while state.bytes > maxBytes, Self.evictOne(&state, preferring: namespace) { count += 1 }
            guard count > 0 else { return nil }
            state.evictions += count
            if let last = state.lastEvictionLog, now - last < .seconds(10) { return nil }
            state.lastEvictionLog = now
            return (count, state.evictions)
        }
        if let evicted {
            logger.warning("recovery buffer full: evicted the oldest packets or sessions; clients that needed them connect anew", metadata: [
                "maxBytes": "\(maxBytes)", "evicted": "\(evicted.count)", "evictedSinceStart": "\(evicted.total)",
            ])
        }
    }

    // The logs are taken out of the dictionary while they change, and put back: a copy left in it would make every
    // change copy the whole deque.

    private static func expire(_ state: inout State, now: ContinuousClock.Instant) {
        for namespace in Array(state.logs.keys) {
            guard var log = state.logs.removeValue(forKey: namespace) else { continue }
            while let first = log.packets.first, first.expires <= now {
                log.packets.removeFirst()
                log.trimmedThrough = first.offset
                state.bytes -= first.bytes
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

    /// Evicts the oldest packet of `namespace`, else of any namespace, else the oldest session; false when empty.
    private static func evictOne(_ state: inout State, preferring namespace: String) -> Bool {
        let candidates = [namespace] + state.logs.keys.filter { $0 != namespace }
        for name in candidates {
            guard let first = state.logs[name]?.packets.popFirst() else { continue }
            state.logs[name]?.trimmedThrough = first.offset
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
