import JSONCore
import ScriptSandbox
import SocketIO
import Synchronization

/// One socket on one gateway, as its handlers see it: who the user is, how it connected, its `SOCKET`.
///
/// Built when the socket is admitted and kept for its lifetime, so every handler of the socket sees the
/// same `HANDSHAKE`, and the `USER` its token or its last `SOCKET.signIn` gave it.
final class GatewayConnection: Sendable {
    let socket: Socket
    let path: String
    let live: LiveSocket
    /// `HANDSHAKE` as handlers see it, built the first time a handler that can read it runs: most handlers never do,
    /// and an idle connection does not hold a second copy of its handshake.
    private let handshakeValue = Mutex<JSONValue?>(nil)
    /// The socket's event budget; nil when events are not rate-limited.
    private let rateLimit: Mutex<EventRateLimit?>
    private let isRateLimited: Bool

    init(socket: Socket, path: String, live: LiveSocket, eventRate: EventRateLimit.Policy) {
        self.socket = socket
        self.path = path
        self.live = live
        let limit = EventRateLimit(policy: eventRate, now: GatewayMetrics.now)
        self.isRateLimited = limit != nil
        self.rateLimit = Mutex(limit)
    }

    /// Counts one event against the socket's budget.
    func eventArrived() -> EventRateLimit.Verdict {
        guard isRateLimited else { return .admit }
        let now = GatewayMetrics.now
        return rateLimit.withLock { $0?.arrival(at: now) ?? .admit }
    }

    /// The claims (with `id`) of the socket's user, or nil while it is anonymous.
    var user: JSONValue? { live.user }

    /// What `script` sees of the event: `HANDSHAKE` is filled in only if the script can read it.
    func context(for script: CompiledScript, event: String, args: [JSONValue], requestId: String = RequestID.make()) -> HandlerContext {
        HandlerContext(
            args: args, event: event, requestId: requestId, gatewayPath: path, user: user,
            handshake: script.mayReadHandshake ? handshake : .object([:]))
    }

    private var handshake: JSONValue {
        handshakeValue.withLock { value in
            if let value { return value }
            let handshake = socket.handshake
            var fields: [String: JSONValue] = [
                "headers": .object(handshake.headers.dictionary.mapValues(JSONValue.string)),
                "query": .object(handshake.query.dictionary.mapValues(JSONValue.string)),
                "auth": handshake.auth,
                "address": .string(handshake.address),
                "time": .string(handshake.time),
                "issued": .int(handshake.issued),
                "url": .string(handshake.url),
            ]
            if socket.recovered { fields["recovered"] = .bool(true) }
            let built = JSONValue.object(fields)
            value = built
            return built
        }
    }
}
