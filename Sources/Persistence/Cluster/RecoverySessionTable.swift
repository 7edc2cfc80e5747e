/// Where a cluster's nodes keep the sessions of disconnected sockets while their recovery windows are open, so that a
/// client can come back through any node (the cluster's side of socket.io's connection state recovery). A session's
/// `state` is the text the node that kept it wrote; the table keys it by namespace and `pid`, and names the
/// `disconnection` that kept it (a socket that recovered and left again is kept anew under another).
///
/// A node also keeps the state of its connected sockets (`connectedOn` its id), so that a client whose node died unseen
/// still recovers: such a row becomes a kept session, its window starting then, once the heartbeats find its node gone
/// (or the node starts again under the same id).
public protocol RecoverySessionTable: Sendable {
    /// Keeps a session for `retention`, replacing what `pid` had in `namespace`; with `connectedOn`, the state of a
    /// socket still connected to that node, whose window of `retention` starts when the node is found gone.
    func keep(namespace: String, pid: String, disconnection: String, state: String, connectedOn node: String?,
              retention: Duration) async throws
    /// The session `pid` of `namespace`, unless its window ended; `connectedOn` names the node its socket is connected
    /// to, nil once it left.
    func session(pid: String, in namespace: String) async throws -> RecoverySessionRow?
    /// Deletes the session `pid` of `namespace` if it is still that `disconnection`'s; whether it was.
    func remove(pid: String, disconnection: String, in namespace: String) async throws -> Bool
}

/// A session as ``RecoverySessionTable/session(pid:in:)`` reads it.
public struct RecoverySessionRow: Sendable, Equatable {
    public var disconnection: String
    public var state: String
    /// The node its socket was connected to when last written; nil: the socket left, and this is its kept session.
    public var connectedOn: String?

    public init(disconnection: String, state: String, connectedOn: String?) {
        self.disconnection = disconnection
        self.state = state
        self.connectedOn = connectedOn
    }
}
