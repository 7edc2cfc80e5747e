import JSONCore
import Logging
import ScriptSandbox
import SocketIO
import Synchronization

/// `SOCKET` on a real connection: every call acts on the Socket.IO server at once.
///
/// Until the socket is admitted (while its connection handler decides), what concerns the socket itself —
/// `reply`, `join`, `leave` — is held back and applied right after the CONNECT answer, so a refused client
/// receives nothing and is in no room. `disconnect()` is only recorded: the runtime acts on it when the
/// handler ends (refusing the connection, or disconnecting after the event's outcome was sent).
///
/// It also holds who the socket's user is: the token's claims, then whatever `signIn` / `signOut` made it. While
/// admitted, the socket's user room (what `emitToUser` reaches) and the token-expiry timers follow every change.
final class LiveSocket: HandlerSocket {
    private enum HeldBack {
        case reply(event: String, args: [JSONValue])
        case join(String)
        case leave(String)
    }

    private struct State {
        var admitted = false
        var heldBack: [HeldBack] = []
        var disconnectRequest: DisconnectRequest?
        /// The claims (with `id`) of the socket's user, nil while anonymous.
        var user: JSONValue?
        var expiry: TokenExpiry?
        /// `SOCKET.data`: the socket's runs are one at a time (connection, events in order, disconnect), so each
        /// reads what the one before it left.
        var data: JSONValue?
    }

    let socket: Socket
    private let gateways: GatewayDirectory
    private let expiryGrace: Duration
    private let logger: Logger
    private let state: Mutex<State>

    init(socket: Socket, user: JSONValue?, gateways: GatewayDirectory, expiryGrace: Duration, logger: Logger) {
        self.socket = socket
        self.gateways = gateways
        self.expiryGrace = expiryGrace
        self.logger = logger
        self.state = Mutex(State(user: user))
        if socket.recovered { state.withLock { $0.data = Self.recovered(from: socket.data).data } }
    }

    var user: JSONValue? { state.withLock { $0.user } }

    var id: String { socket.id }

    var data: JSONValue? { state.withLock { $0.data } }

    func storeData(_ data: JSONValue?) {
        state.withLock { state in
            state.data = data
            mirror(state)
        }
    }

    // MARK: The socket's data

    /// The socket's `data` holds the user and `SOCKET.data`: what every node sees of it (the admin API's socket list,
    /// through `fetchSockets`), and what its session keeps with recovery on, so that a recovered socket gets both back.
    /// An anonymous socket without data keeps JSON null, which reads back the same: no object per idle connection.
    private func mirror(_ state: State) {
        guard state.user != nil || state.data != nil else {
            socket.data = .null
            return
        }
        socket.data = .object(["user": state.user ?? .null, "data": state.data ?? .null])
    }

    /// The user and `SOCKET.data` a recovered socket had, from its session.
    static func recovered(from data: JSONValue) -> (user: JSONValue?, data: JSONValue?) {
        let user = data["user"]?.nonNull
        let kept = data["data"]?.nonNull
        return (user, kept)
    }

    /// Applies what the connection handler held back, puts the socket in its user's room and times its token; call once
    /// the CONNECT was answered.
    func admit() {
        let heldBack = state.withLock { state in
            state.admitted = true
            rebind(&state, from: nil)
            mirror(state)
            defer { state.heldBack = [] }
            return state.heldBack
        }
        for action in heldBack {
            switch action {
            case .reply(let event, let args): socket.emit(event, args: args)
            case .join(let room): socket.join(room)
            case .leave(let room): socket.leave(room)
            }
        }
    }

    /// The socket left (and with it every room): its token is no longer timed.
    func detach() {
        state.withLock { state in
            guard state.admitted else { return }
            state.admitted = false
            state.expiry?.cancel()
            state.expiry = nil
        }
    }

    /// While admitted: moves the socket from `old`'s user room to the current user's, and times the current user's
    /// token instead. Under the state lock, so a sign-in racing the socket's departure cannot leave it timed after
    /// `detach` (the adapter puts no socket that left back in a room).
    private func rebind(_ state: inout State, from old: JSONValue?) {
        if let id = HandlerUser.id(of: old) { socket.leave(UserRoom.name(of: id)) }
        if let id = HandlerUser.id(of: state.user) { socket.join(UserRoom.name(of: id)) }
        state.expiry?.cancel()
        state.expiry = state.user.flatMap { TokenExpiry.start(for: socket, user: $0, grace: expiryGrace, logger: logger) }
    }

    /// What the handler that just ended asked `SOCKET.disconnect` for, if anything; clears the request.
    func takeDisconnectRequest() -> DisconnectRequest? {
        state.withLock { state in
            defer { state.disconnectRequest = nil }
            return state.disconnectRequest
        }
    }

    /// Holds `action` back while the socket is not admitted; true when it was held.
    private func holdBack(_ action: HeldBack) -> Bool {
        state.withLock { state in
            guard !state.admitted else { return false }
            state.heldBack.append(action)
            return true
        }
    }

    // MARK: HandlerSocket

    func reply(event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(.reply)
        guard !holdBack(.reply(event: event, args: args)), socket.isConnected || socket.awaitsRecovery else { return }
        socket.emit(event, args: args)
    }

    func join(room: String) {
        guard !holdBack(.join(room)) else { return }
        socket.join(room)
    }

    func leave(room: String) {
        guard !holdBack(.leave(room)) else { return }
        socket.leave(room)
    }

    func emitToUser(userId: String, event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(.user)
        gateways.emit(event, args: args, to: .user(userId))
    }

    func emitToRoom(room: String, event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(.room)
        gateways.emit(event, args: args, to: .room(room))
    }

    func broadcastToRoom(room: String, event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(.room)
        gateways.emit(event, args: args, to: .room(room), except: socket)
    }

    func emitToGateway(path: String, event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(.gateway)
        gateways.emit(event, args: args, to: .gateway(path))
    }

    func broadcast(event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(.broadcast)
        gateways.emit(event, args: args, to: .everyone)
    }

    func disconnect(close: Bool) {
        state.withLock { state in
            // A request to close the whole connection is not weakened by a later plain one.
            if state.disconnectRequest != .connection { state.disconnectRequest = close ? .connection : .namespace }
        }
    }

    func volatileReply(event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(.reply)
        // Before admission the client cannot take anything yet: a volatile emit is dropped, not held back.
        guard state.withLock({ $0.admitted }) else { return }
        socket.emitVolatile(event, args: args)
    }

    func volatileEmitToRoom(room: String, event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(.room)
        gateways.emit(event, args: args, to: .room(room), volatile: true)
    }

    func signIn(user: JSONValue) {
        changeUser(to: user)
    }

    func signOut() {
        changeUser(to: nil)
    }

    /// Before admission (and after departure) only the claims change; while admitted, the index and timers follow.
    private func changeUser(to user: JSONValue?) {
        state.withLock { state in
            let old = state.user
            state.user = user
            if state.admitted { rebind(&state, from: old) }
            mirror(state)
        }
    }

    /// Members of `room` on the caller's own gateway (counting the caller's held-back joins): on every node of a
    /// cluster, the worker thread waiting for the other nodes' answers (the adapter stops waiting for them after its
    /// request timeout; should it not answer at all, this node's count is the answer).
    func roomSize(room: String) -> Int {
        let adapter = socket.namespace.adapter
        let size = adapter is InMemoryAdapter ? adapter.localRoomSize(room)
            : BlockingWait.result(within: Self.clusterCountLimit) { await adapter.roomSize(room) } ?? adapter.localRoomSize(room)
        guard let joined = pendingMembership(of: room) else { return size }
        return joined ? size + 1 : size
    }

    /// The longest `roomSize` blocks in a cluster: past the adapter's own request timeout.
    static let clusterCountLimit = ClusterAdapterOptions().requestTimeout + .seconds(1)

    /// The rooms the caller is in, without the room named by its own id and its user room; sorted.
    func rooms() -> [String] {
        var rooms = socket.rooms.filter { !UserRoom.isReserved($0) }
        rooms.remove(socket.id)
        let heldBack = state.withLock { $0.admitted ? [] : $0.heldBack }
        for action in heldBack {
            switch action {
            case .join(let room): rooms.insert(room)
            case .leave(let room): rooms.remove(room)
            case .reply: break
            }
        }
        return rooms.sorted()
    }

    /// Before admission: whether the held-back joins and leaves end with the caller in `room` (nil when they
    /// do not mention it, or once admitted).
    private func pendingMembership(of room: String) -> Bool? {
        state.withLock { state in
            guard !state.admitted else { return nil }
            var member: Bool?
            for action in state.heldBack {
                switch action {
                case .join(let name) where name == room: member = true
                case .leave(let name) where name == room: member = false
                default: break
                }
            }
            return member
        }
    }
}

/// What `SOCKET.disconnect` asked for, carried out when the run has ended.
enum DisconnectRequest: Sendable, Equatable {
    /// Leave the gateway (its namespace).
    case namespace
    /// Close the whole connection.
    case connection
}
