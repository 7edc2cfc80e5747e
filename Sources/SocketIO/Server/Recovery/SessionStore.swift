import JSONCore

/// Where a namespace with recovery on keeps its packet log and the sessions of its disconnected sockets (socket.io's
/// session-aware adapter, as a seam of its own): ``InMemorySessionStore`` on a single node, ``ClusterSessionStore``
/// (the log in memory on every node, the sessions in the cluster's database) in a cluster.
///
/// Every node records every recoverable packet of a namespace, its own and the other nodes', stamped with the
/// ``RecoveryPosition`` the log is at once the packet is in: that is the offset its clients see.
public protocol SessionStore: AnyObject, Sendable {
    /// Whether sessions outlive this process: only then is `server shutting down` a reason a client can recover from.
    var survivesRestart: Bool { get }
    /// The position of the newest packet recorded in `namespace` so far: where a socket connecting now starts.
    func head(in namespace: String) -> RecoveryPosition
    /// Records a packet sent to `options`, kept for `retention`: this process's own (`origin` nil: it gets the next
    /// sequence number of this process's origin) or another node's. The packet as delivered (its offset appended as
    /// its last argument), and where it was recorded.
    func record(_ packet: EncodedSocketIOPacket, from origin: PacketOrigin?, options: BroadcastOptions, in namespace: String,
                retention: Duration) -> (stamped: EncodedSocketIOPacket, origin: PacketOrigin)
    /// Keeps a disconnected socket's session until `retention` passes.
    func persist(_ session: PersistedSession, in namespace: String, retention: Duration)
    /// Whether the store also keeps the state of connected sockets (``track(pid:in:retention:state:)``): a cluster's,
    /// so that the client of a node that dies unseen recovers through another. Checked before building that state.
    var tracksConnectedSockets: Bool { get }
    /// Keeps the state of the connected socket `pid` as `state()` gives it when written (nil: it left meanwhile, and
    /// what it left is written instead), in order with the socket's other writes, the latest winning.
    func track(pid: String, in namespace: String, retention: Duration, state: @escaping @Sendable () -> PersistedSession?)
    /// Drops the state tracked for the socket `pid`, which left under `disconnection` for a reason it does not
    /// recover from.
    func forget(pid: String, disconnection: String, in namespace: String)
    /// Waits until the writes of the session `pid` asked for so far have landed (``flush()`` for one session).
    func flush(pid: String, in namespace: String) async
    /// Whether the session `pid` belongs to a socket another node still has connected, as far as this store knows:
    /// that node is asked to let it go (or found gone) before ``take(pid:after:in:)``.
    func isConnectedElsewhere(pid: String, in namespace: String) async -> Bool
    /// Removes and returns the session `pid` if it has not expired and every packet after `position` (the session's
    /// start when nil) is still recorded — a tracked socket's too, whose node let it go or is gone; nil otherwise —
    /// the client connects anew, and a session whose packets are gone stays until its window ends unrecovered.
    func take(pid: String, after position: RecoveryPosition?, in namespace: String) async -> PersistedSession?
    /// The packets after the session's ``PersistedSession/resumeAfter`` that its rooms would have received — a room's
    /// only from when the socket joined it — in the order this node recorded them.
    func missed(by session: PersistedSession, in namespace: String) -> [EncodedSocketIOPacket]
    /// Removes the session `pid` as the window of its `disconnection` ends; whether it was still there (nobody
    /// recovered it, and it is not a later disconnection's).
    func expire(pid: String, disconnection: String, in namespace: String) async -> Bool
    /// What the log of `namespace` holds: for a node that starts.
    func snapshot(of namespace: String) -> RecoveryLogSnapshot
    /// Takes in another node's snapshot of `namespace` (at start): the packets it has from before this log heard each
    /// origin.
    func adopt(_ snapshot: RecoveryLogSnapshot, in namespace: String, retention: Duration)
    /// Waits until the sessions persisted so far are kept where they outlive this process (at shutdown).
    func flush() async
    /// Packets and sessions evicted for the memory budget since start.
    var evictions: Int { get }
}

extension SessionStore {
    /// A store in this process knows its connected sockets already: it tracks nothing.
    public var tracksConnectedSockets: Bool { false }
    public func track(pid: String, in namespace: String, retention: Duration, state: @escaping @Sendable () -> PersistedSession?) {}
    public func forget(pid: String, disconnection: String, in namespace: String) {}
    public func flush(pid: String, in namespace: String) async {}
    public func isConnectedElsewhere(pid: String, in namespace: String) async -> Bool { false }
}

/// Which process published a recorded packet, and its number among that process's packets of the namespace.
public struct PacketOrigin: Sendable, Equatable {
    public var origin: String
    public var sequence: UInt64

    public init(origin: String, sequence: UInt64) {
        self.origin = origin
        self.sequence = sequence
    }
}

/// What a disconnected socket leaves for its recovery (socket.io's `Session`), and what a recovery gives back.
public struct PersistedSession: Sendable, Equatable {
    /// The socket's id, which a recovered socket keeps.
    public var id: String
    /// The private session id the client reconnects with.
    public var pid: String
    /// Names this disconnection: a recovered socket keeps its `pid`, and may leave again.
    public var disconnection: String
    public var rooms: Set<String>
    /// The log's head when the socket joined each of its rooms (its own id room and rooms without an entry: ``start``).
    public var joined: [String: RecoveryPosition]
    public var data: JSONValue
    /// The log's head when the socket connected: where a client that never got a packet resumes.
    public var start: RecoveryPosition
    /// The position the client resumes after: set by ``SessionStore/take(pid:after:in:)``.
    public var resumeAfter: RecoveryPosition

    public init(id: String, pid: String, disconnection: String, rooms: Set<String>, joined: [String: RecoveryPosition] = [:],
                data: JSONValue, start: RecoveryPosition) {
        self.id = id
        self.pid = pid
        self.disconnection = disconnection
        self.rooms = rooms
        self.joined = joined
        self.data = data
        self.start = start
        self.resumeAfter = start
    }
}
