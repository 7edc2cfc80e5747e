import JSONCore
import SocketIO
import Synchronization

/// The gateways being served now, by path, each with its Socket.IO namespace: what handlers look their
/// scripts up in and what emits across gateways go through (each namespace's adapter delivers its part).
final class GatewayDirectory: Sendable {
    struct Entry: Sendable {
        var gateway: ServedGateway
        var namespace: Namespace
    }

    /// Who an emit across gateways reaches.
    enum Audience: Sendable {
        /// The sockets in this room, on every gateway.
        case room(String)
        /// The sockets of the signed-in user with this id, on every gateway.
        case user(String)
        /// Every socket of the gateway at this path.
        case gateway(String)
        /// Every socket of every gateway.
        case everyone
    }

    private let entries = Mutex<[String: Entry]>([:])

    func gateway(at path: String) -> ServedGateway? {
        entries.withLock { $0[path]?.gateway }
    }

    func namespace(at path: String) -> Namespace? {
        entries.withLock { $0[path]?.namespace }
    }

    var paths: Set<String> { entries.withLock { Set($0.keys) } }

    /// The sockets connected to every gateway served now.
    var socketCount: Int { entries.withLock { $0.values.map(\.namespace) }.reduce(0) { $0 + $1.sockets.count } }

    /// Every gateway served now, ordered by path.
    var served: [ServedGateway] { entries.withLock { $0.values.map(\.gateway) }.sorted { $0.path < $1.path } }

    func set(_ gateway: ServedGateway, namespace: Namespace) {
        entries.withLock { $0[gateway.path] = Entry(gateway: gateway, namespace: namespace) }
    }

    func remove(path: String) {
        _ = entries.withLock { $0.removeValue(forKey: path) }
    }

    // MARK: Emitting across gateways

    /// Emits to `audience`, leaving out `exceptSocket` (`volatile`: each recipient that cannot take it now misses it).
    func emit(_ event: String, args: [JSONValue], to audience: Audience, except exceptSocket: Socket? = nil, volatile: Bool = false) {
        for selection in selections(for: audience, except: exceptSocket, volatile: volatile) {
            selection.emit(event, args: args)
        }
    }

    /// Emits to `audience`; returns how many sockets it reached on every node.
    func emitCounting(_ event: String, args: [JSONValue], to audience: Audience) async -> Int {
        var reached = 0
        for selection in selections(for: audience, except: nil, volatile: false) {
            reached += await selection.emitCounting(event, args: args)
        }
        return reached
    }

    private func selections(for audience: Audience, except exceptSocket: Socket?, volatile: Bool) -> [BroadcastOperator] {
        let namespaces: [Namespace]
        if case .gateway(let path) = audience {
            namespaces = namespace(at: path).map { [$0] } ?? []
        } else {
            namespaces = entries.withLock { $0.values.map(\.namespace) }
        }
        return namespaces.map { namespace in
            var selection = namespace.all
            switch audience {
            case .room(let room): selection = selection.to(room)
            case .user(let id): selection = selection.to(UserRoom.name(of: id))
            case .gateway, .everyone: break
            }
            if let exceptSocket, exceptSocket.namespace === namespace { selection = selection.except(exceptSocket.id) }
            return volatile ? selection.volatile : selection
        }
    }
}
