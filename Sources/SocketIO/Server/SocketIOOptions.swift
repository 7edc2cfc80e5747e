import EngineIO

/// Socket.IO server settings, with socket.io's defaults: Engine.IO's, and how long a client may take to join a
/// namespace.
public struct SocketIOOptions: Sendable {
    /// The transport's settings (paths, heartbeat, limits, CORS, protocol versions).
    public var engine = EngineIOOptions()
    /// How long a client may stay connected to Engine.IO without joining any namespace.
    public var connectTimeout: Duration = .milliseconds(45_000)
    /// Bytes the default session store keeps for connection state recovery, packets and sessions together
    /// (``InMemorySessionStore``).
    public var recoveryBufferBytes = 64 << 20

    public init() {}
}
