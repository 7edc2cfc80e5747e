import JSONCore

/// What `SOCKET` does, seen from Swift. The gateway implements it on the real connection; the admin
/// test runner uses ``RecordingSocket``.
///
/// Calls arrive synchronously on the Lua worker thread while the script waits, so implementations must
/// be quick and thread-safe (hand work to the event loop rather than doing I/O here).
public protocol HandlerSocket: Sendable {
    /// The caller's socket id (`SOCKET.id`).
    var id: String { get }
    func reply(event: String, args: [JSONValue])
    func join(room: String)
    func leave(room: String)
    func emitToUser(userId: String, event: String, args: [JSONValue])
    func emitToRoom(room: String, event: String, args: [JSONValue])
    /// To everyone in `room` except the caller.
    func broadcastToRoom(room: String, event: String, args: [JSONValue])
    func emitToGateway(path: String, event: String, args: [JSONValue])
    /// To every socket of every gateway, the caller included.
    func broadcast(event: String, args: [JSONValue])
    /// `SOCKET.disconnect([close])`: the caller leaves the gateway once the run ended; `close`: its whole connection
    /// (every namespace) closes, socket.io's `disconnect(true)`.
    func disconnect(close: Bool)
    /// `SOCKET.volatile.reply`: to the caller, dropped rather than queued when it cannot take it now.
    func volatileReply(event: String, args: [JSONValue])
    /// `SOCKET.volatile.emitToRoom`: like `emitToRoom`, each member that cannot take it now misses it.
    func volatileEmitToRoom(room: String, event: String, args: [JSONValue])
    func roomSize(room: String) -> Int
    func rooms() -> [String]
    /// `SOCKET.signIn(claims)`: from the socket's next run on, `USER` is `user` (claims with `id`), and what is
    /// addressed to that user reaches the socket.
    func signIn(user: JSONValue)
    /// `SOCKET.signOut()`: the socket is anonymous from its next run on.
    func signOut()
    /// `SOCKET.data` as this socket's previous run left it: a JSON object, or nil while it is empty (so that the
    /// many handlers that never use it cost nothing to convert).
    var data: JSONValue? { get }
    /// Keeps what a run left in `SOCKET.data` (nil: it is empty) for the socket's next run; not called when the run
    /// left it untouched and empty, timed out, ran out of memory or left a value that is not a JSON object within
    /// the limit.
    func storeData(_ data: JSONValue?)
    /// True for a `SOCKET` that stands for no connection (a change hook's): only `emitToUser`, `emitToRoom`,
    /// `emitToGateway` and `broadcast` work, every other SOCKET function fails with an error saying so.
    var onlyEmits: Bool { get }
}

extension HandlerSocket {
    public var onlyEmits: Bool { false }
}
