import EngineIO

/// Why a socket left its namespace; the strings are socket.io's, which applications log and match on.
public enum DisconnectReason: String, Sendable {
    case serverNamespaceDisconnect = "server namespace disconnect"
    case clientNamespaceDisconnect = "client namespace disconnect"
    case transportClose = "transport close"
    case transportError = "transport error"
    case pingTimeout = "ping timeout"
    case parseError = "parse error"
    case forcedClose = "forced close"
    case serverShuttingDown = "server shutting down"

    /// Every Engine.IO close reason is also a Socket.IO disconnect reason, with the same text.
    init(_ reason: EngineCloseReason) {
        self.init(rawValue: reason.rawValue)!
    }
}
