/// Why an Engine.IO session ended; the strings are socket.io's disconnect reasons.
public enum EngineCloseReason: String, Sendable {
    /// The client closed the connection or sent a close packet.
    case transportClose = "transport close"
    /// The connection failed: an oversized message, an overlapping poll, a broken socket.
    case transportError = "transport error"
    /// The client stopped answering heartbeats.
    case pingTimeout = "ping timeout"
    /// The client sent something that is not Engine.IO or Socket.IO.
    case parseError = "parse error"
    /// The server closed the session (the last namespace was left, or the application asked).
    case forcedClose = "forced close"
    /// The server is stopping.
    case serverShuttingDown = "server shutting down"
}
