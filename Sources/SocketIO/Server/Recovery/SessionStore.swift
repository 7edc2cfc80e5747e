import JSONCore

/// Where a namespace with recovery on keeps its packet log and the sessions of its disconnected sockets (socket.io's
/// session-aware adapter, as a seam of its own): ``InMemorySessionStore`` on each node.
///
/// Offsets grow with every recorded packet, across the store's namespaces; on the wire they are written by
/// ``offsets``.
public protocol SessionStore: AnyObject, Sendable {
    /// Whether sessions outlive this process: only then is `server shutting down` a reason a client can recover from.
    var survivesRestart: Bool { get }
    /// How this store's offsets are written on the wire.
    var offsets: RecoveryOffsets { get }
    /// The offset of the newest packet recorded so far: where a socket connecting now starts.
    func head() -> UInt64
    /// A new offset, larger than every one before it.
    func nextOffset() -> UInt64
    /// Records a packet (its offset already appended as its last argument) sent to `options`, kept for `retention`;
    /// `offset` is what ``nextOffset()`` returned for it.
    func record(_ offset: UInt64, packet: EncodedSocketIOPacket, options: BroadcastOptions, in namespace: String, retention: Duration)
    /// Keeps a disconnected socket's session until `retention` passes.
    func persist(_ session: PersistedSession, in namespace: String, retention: Duration)
    /// Removes and returns the session `pid` if it has not expired and every packet after `offset` (the session's
    /// start when nil) is still recorded; nil otherwise — the client connects anew, and a session whose packets are
    /// gone stays until its window ends unrecovered.
    func take(pid: String, after offset: UInt64?, in namespace: String) -> PersistedSession?
    /// The packets after the session's ``PersistedSession/resumeAfter`` that its rooms would have received — a room's
    /// only from when the socket joined it — oldest first.
    func missed(by session: PersistedSession, in namespace: String) -> [EncodedSocketIOPacket]
    /// Removes the session `pid` as the window of its `disconnection` ends; whether it was still there (nobody
    /// recovered it, and it is not a later disconnection's).
    func expire(pid: String, disconnection: String, in namespace: String) -> Bool
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
    public var joined: [String: UInt64]
    public var data: JSONValue
    /// The log's head when the socket connected: where a client that never got a packet resumes.
    public var start: UInt64
    /// The offset the client resumes after: set by ``SessionStore/take(pid:after:in:)``.
    public var resumeAfter: UInt64

    public init(id: String, pid: String, disconnection: String, rooms: Set<String>, joined: [String: UInt64] = [:],
                data: JSONValue, start: UInt64) {
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
