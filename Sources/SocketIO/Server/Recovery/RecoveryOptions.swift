/// socket.io's `connectionStateRecovery` for one namespace: a client that lost its connection for less than
/// ``maxDisconnection`` and comes back with its session id and the offset of the last packet it got keeps its socket
/// id, rooms and data and receives what it missed.
public struct RecoveryOptions: Sendable, Equatable {
    /// How long a disconnected socket's session is kept.
    public var maxDisconnection: Duration
    /// Whether a recovered socket skips the namespace's middleware (socket.io's `skipMiddlewares`).
    public var skipMiddlewares: Bool

    public init(maxDisconnection: Duration = .seconds(120), skipMiddlewares: Bool = true) {
        self.maxDisconnection = maxDisconnection
        self.skipMiddlewares = skipMiddlewares
    }
}
