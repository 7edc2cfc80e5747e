import JSONCore
import ScriptSandbox
import SocketIO

/// One socket on one gateway, as its handlers see it: who the user is, how it connected, its `SOCKET`.
///
/// Built when the socket is admitted and kept for its lifetime, so every handler of the socket sees the
/// same `USER` and `HANDSHAKE`.
final class GatewayConnection: Sendable {
    let socket: Socket
    let path: String
    /// The verified claims (with `id`), or nil for an anonymous socket.
    let user: JSONValue?
    let handshake: JSONValue
    let live: LiveSocket

    init(socket: Socket, path: String, user: JSONValue?, live: LiveSocket) {
        self.socket = socket
        self.path = path
        self.user = user
        self.live = live
        let handshake = socket.handshake
        self.handshake = .object([
            "headers": .object(handshake.headers.mapValues(JSONValue.string)),
            "query": .object(handshake.query.mapValues(JSONValue.string)),
            "auth": handshake.auth,
            "address": .string(handshake.address),
            "time": .string(handshake.time),
            "issued": .int(handshake.issued),
            "url": .string(handshake.url),
        ])
    }

    /// The user's id as text (`emitToUser` addresses users by it), nil when anonymous.
    var userId: String? {
        guard let id = user?["id"] else { return nil }
        return id.stringValue ?? id.intValue.map(String.init)
    }

    func context(event: String, args: [JSONValue], requestId: String = RequestID.make()) -> HandlerContext {
        HandlerContext(args: args, event: event, requestId: requestId, gatewayPath: path, user: user, handshake: handshake)
    }
}
