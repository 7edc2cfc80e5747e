import JSONCore
import ScriptSandbox
import SocketIO

/// One socket on one gateway, as its handlers see it: who the user is, how it connected, its `SOCKET`.
///
/// Built when the socket is admitted and kept for its lifetime, so every handler of the socket sees the
/// same `HANDSHAKE`, and the `USER` its token or its last `SOCKET.signIn` gave it.
final class GatewayConnection: Sendable {
    let socket: Socket
    let path: String
    let handshake: JSONValue
    let live: LiveSocket

    init(socket: Socket, path: String, live: LiveSocket) {
        self.socket = socket
        self.path = path
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

    /// The claims (with `id`) of the socket's user, or nil while it is anonymous.
    var user: JSONValue? { live.user }

    func context(event: String, args: [JSONValue], requestId: String = RequestID.make()) -> HandlerContext {
        HandlerContext(args: args, event: event, requestId: requestId, gatewayPath: path, user: user, handshake: handshake)
    }
}
