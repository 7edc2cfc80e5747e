/// The Engine.IO protocol revision a client speaks (`EIO=` in its URL).
///
/// Version 4 is today's (socket.io 3+ clients); version 3 is what socket.io 2.x clients speak and is
/// always accepted, because mobile apps in the field update slowly.
public enum EngineProtocolVersion: Int, Sendable {
    case v3 = 3
    case v4 = 4
}
