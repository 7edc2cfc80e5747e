/// Where a cluster's nodes keep the sessions of disconnected sockets while their recovery windows are open, so that a
/// client can come back through any node (the cluster's side of socket.io's connection state recovery). A session's
/// `state` is the text the node that kept it wrote; the table keys it by namespace and `pid`, and names the
/// `disconnection` that kept it (a socket that recovered and left again is kept anew under another).
public protocol RecoverySessionTable: Sendable {
    /// Keeps a session for `retention`, replacing what `pid` had in `namespace`.
    func keep(namespace: String, pid: String, disconnection: String, state: String, retention: Duration) async throws
    /// The session `pid` of `namespace`, unless its window ended.
    func session(pid: String, in namespace: String) async throws -> (disconnection: String, state: String)?
    /// Deletes the session `pid` of `namespace` if it is still that `disconnection`'s; whether it was.
    func remove(pid: String, disconnection: String, in namespace: String) async throws -> Bool
}
