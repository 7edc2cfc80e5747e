import EngineIO
import JSONCore
import Logging
import Synchronization

/// The session store of a cluster's node: the packet log in memory (an ``InMemorySessionStore``, which records every
/// node's recoverable packets as they reach this one, this node's own under an origin named at start), the sessions
/// of disconnected sockets in a ``SharedSessionTable`` every node reads, so that a client recovers through whichever
/// node it comes back to.
///
/// The state of this node's connected sockets is in the table too (their rooms and data as they change, written in
/// the background, a session's writes in order): a client whose node died unseen recovers through another all the
/// same, once that node is asked to let it go and does not answer.
///
/// A client that comes back through another node may have had packets that have not reached this one yet: its
/// recovery waits until they have, for ``catchUp`` at most, then connects it anew.
public final class ClusterSessionStore: SessionStore {
    private let log: InMemorySessionStore
    /// This node's id in the cluster: what the rows of its connected sockets name.
    private let node: String
    private let table: any SharedSessionTable
    private let logger: Logger
    /// How long a recovery waits for the packets its client had to reach this node.
    let catchUp: Duration
    private let writes = SessionWrites()
    /// The last session write failed: further failures are not logged until one lands.
    private let failing = Atomic<Bool>(false)

    public init(maxBytes: Int, node: String, table: any SharedSessionTable, catchUp: Duration = .seconds(1),
                logger: Logger = Logger(label: "socketio.recovery")) {
        // A new origin every start: a restarted node's sequence numbers start again.
        log = InMemorySessionStore(maxBytes: maxBytes, origin: String(SessionID.make().prefix(8)), logger: logger)
        self.node = node
        self.table = table
        self.catchUp = catchUp
        self.logger = logger
    }

    /// The sessions are in the cluster's database: a client whose node stops recovers through another.
    public var survivesRestart: Bool { true }

    /// Packets and sessions evicted from this node's log for its budget since start.
    public var evictions: Int { log.evictions }

    public func head(in namespace: String) -> RecoveryPosition { log.head(in: namespace) }

    public func record(_ packet: EncodedSocketIOPacket, from origin: PacketOrigin?, options: BroadcastOptions, in namespace: String,
                       retention: Duration) -> (stamped: EncodedSocketIOPacket, origin: PacketOrigin) {
        log.record(packet, from: origin, options: options, in: namespace, retention: retention)
    }

    public func missed(by session: PersistedSession, in namespace: String) -> [EncodedSocketIOPacket] {
        log.missed(by: session, in: namespace)
    }

    public func snapshot(of namespace: String) -> RecoveryLogSnapshot { log.snapshot(of: namespace) }

    public func adopt(_ snapshot: RecoveryLogSnapshot, in namespace: String, retention: Duration) {
        log.adopt(snapshot, in: namespace, retention: retention)
    }

    // MARK: Writing (in the background: sockets come and go on their event loops)

    /// A failure is logged, and the client connects anew when it comes back.
    public func persist(_ session: PersistedSession, in namespace: String, retention: Duration) {
        let row = SharedSessionRow(session, in: namespace, connectedOn: nil)
        write(to: namespace, pid: session.pid, "keeping a session for recovery failed: its client connects anew") { table in
            try await table.keep(row, retention: retention)
        }
    }

    public var tracksConnectedSockets: Bool { true }

    public func track(pid: String, in namespace: String, retention: Duration, state: @escaping @Sendable () -> PersistedSession?) {
        write(to: namespace, pid: pid, "keeping a connected socket's state failed: its client may not recover if this node dies") {
            [node] table in
            guard let session = state() else { return }
            try await table.keep(SharedSessionRow(session, in: namespace, connectedOn: node), retention: retention)
        }
    }

    public func forget(pid: String, disconnection: String, in namespace: String) {
        write(to: namespace, pid: pid, "dropping a connected socket's state failed: it expires with this node") { table in
            _ = try await table.remove(pid: pid, disconnection: disconnection, in: namespace)
        }
    }

    /// A failure is logged once per outage (every socket's writes fail while the database is away), and the first
    /// write that lands again says so.
    private func write(to namespace: String, pid: String, _ failure: Logger.Message,
                       _ operation: @escaping @Sendable (any SharedSessionTable) async throws -> Void) {
        writes.enqueue({ [self] in
            do {
                try await operation(table)
                if failing.exchange(false, ordering: .relaxed) {
                    logger.notice("recovery session writes reach the shared table again", metadata: ["nsp": .string(namespace)])
                }
            } catch {
                guard !failing.exchange(true, ordering: .relaxed) else { return }
                logger.warning(failure, metadata: ["nsp": .string(namespace), "error": "\(error)"])
            }
        }, for: SessionWrites.Key(namespace: namespace, pid: pid))
    }

    /// Waits for the session writes under way: at shutdown, so that the sockets leaving with the node are kept.
    public func flush() async {
        await writes.settled()
    }

    public func flush(pid: String, in namespace: String) async {
        await writes.settled(SessionWrites.Key(namespace: namespace, pid: pid))
    }

    // MARK: Recovering

    public func isConnectedElsewhere(pid: String, in namespace: String) async -> Bool {
        await flush(pid: pid, in: namespace)
        guard let node = await read(pid: pid, in: namespace)?.connectedOn else { return false }
        return node != self.node
    }

    public func take(pid: String, after position: RecoveryPosition?, in namespace: String) async -> PersistedSession? {
        await flush(pid: pid, in: namespace)
        guard let row = await read(pid: pid, in: namespace),
              var session = PersistedSession(pid: pid, disconnection: row.disconnection, sharedState: row.state) else {
            return nil
        }
        let resume = position ?? session.start
        let needed = resume.joined(with: session.start)
        guard await heard(needed, in: namespace), log.holdsEverything(after: needed, in: namespace),
              await expire(pid: pid, disconnection: row.disconnection, in: namespace) else { return nil }
        session.resumeAfter = resume
        return session
    }

    private func read(pid: String, in namespace: String) async -> SharedSessionRow? {
        do {
            return try await table.session(pid: pid, in: namespace)
        } catch {
            logger.warning("reading a session to recover failed: its client connects anew", metadata: [
                "nsp": .string(namespace), "error": "\(error)",
            ])
            return nil
        }
    }

    public func expire(pid: String, disconnection: String, in namespace: String) async -> Bool {
        do {
            return try await table.remove(pid: pid, disconnection: disconnection, in: namespace)
        } catch {
            logger.warning("removing a recovery session failed", metadata: ["nsp": .string(namespace), "error": "\(error)"])
            return false
        }
    }

    /// Waits until the packets up to `position` reached this node's log, checking every 20 ms within ``catchUp``.
    private func heard(_ position: RecoveryPosition, in namespace: String) async -> Bool {
        let deadline = ContinuousClock.now + catchUp
        while !log.hasHeard(position, in: namespace) {
            guard ContinuousClock.now < deadline else { return false }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                return false
            }
        }
        return true
    }
}

/// The shared table a ``ClusterSessionStore`` keeps sessions in (gatewayd's is in PostgreSQL).
public protocol SharedSessionTable: Sendable {
    /// Keeps a session for `retention`, replacing what its `pid` had. A connected socket's (``SharedSessionRow/connectedOn``
    /// set) never expires while its node lives; its window starts once the node is gone.
    func keep(_ session: SharedSessionRow, retention: Duration) async throws
    /// The session `pid` of `namespace`, unless its window ended.
    func session(pid: String, in namespace: String) async throws -> SharedSessionRow?
    /// Deletes the session `pid` if it is still that `disconnection`'s; whether it was.
    func remove(pid: String, disconnection: String, in namespace: String) async throws -> Bool
}

/// A session as the shared table keeps it: its state as JSON text.
public struct SharedSessionRow: Sendable, Equatable {
    public var namespace: String
    public var pid: String
    public var disconnection: String
    public var state: String
    /// The node the socket is connected to; nil once it left (the row is its kept session).
    public var connectedOn: String?

    public init(namespace: String, pid: String, disconnection: String, state: String, connectedOn: String?) {
        self.namespace = namespace
        self.pid = pid
        self.disconnection = disconnection
        self.state = state
        self.connectedOn = connectedOn
    }

    init(_ session: PersistedSession, in namespace: String, connectedOn node: String?) {
        self.init(namespace: namespace, pid: session.pid, disconnection: session.disconnection,
                  state: session.sharedState.serialized(), connectedOn: node)
    }
}

extension PersistedSession {
    /// What the shared table keeps besides `pid` and `disconnection`.
    var sharedState: JSONValue {
        .object([
            "id": .string(id),
            "rooms": .array(rooms.sorted().map(JSONValue.string)),
            "joined": .object(joined.mapValues { .string($0.text) }),
            "data": data,
            "start": .string(start.text),
        ])
    }

    /// A session read back from the shared table; nil if its state is not one a node wrote.
    init?(pid: String, disconnection: String, sharedState text: String) {
        guard let state = try? JSONValue(parsing: text), case .string(let id)? = state["id"],
              case .array(let roomValues)? = state["rooms"], case .object(let joinedValues)? = state["joined"],
              case .string(let startText)? = state["start"], let start = RecoveryPosition(text: startText) else { return nil }
        var rooms: Set<String> = []
        for case .string(let room) in roomValues { rooms.insert(room) }
        var joined: [String: RecoveryPosition] = [:]
        for (room, value) in joinedValues {
            guard case .string(let text) = value, let position = RecoveryPosition(text: text) else { return nil }
            joined[room] = position
        }
        self.init(id: id, pid: pid, disconnection: disconnection, rooms: rooms, joined: joined,
                  data: state["data"] ?? .null, start: start)
    }
}
