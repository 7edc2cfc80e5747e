import JSONCore
import SocketIO
import Synchronization

/// The gateways being served now, by path, each with its Socket.IO namespace: what handlers look their
/// scripts up in and what room, gateway and server-wide emits iterate.
final class GatewayDirectory: Sendable {
    struct Entry: Sendable {
        var gateway: ServedGateway
        var namespace: Namespace
    }

    private let entries = Mutex<[String: Entry]>([:])

    func gateway(at path: String) -> ServedGateway? {
        entries.withLock { $0[path]?.gateway }
    }

    func namespace(at path: String) -> Namespace? {
        entries.withLock { $0[path]?.namespace }
    }

    var paths: Set<String> { entries.withLock { Set($0.keys) } }

    var namespaces: [Namespace] { entries.withLock { $0.values.map(\.namespace) } }

    /// Every gateway served now, ordered by path.
    var served: [ServedGateway] { entries.withLock { $0.values.map(\.gateway) }.sorted { $0.path < $1.path } }

    func set(_ gateway: ServedGateway, namespace: Namespace) {
        entries.withLock { $0[gateway.path] = Entry(gateway: gateway, namespace: namespace) }
    }

    func remove(path: String) {
        _ = entries.withLock { $0.removeValue(forKey: path) }
    }

    // MARK: Emitting across gateways

    /// Emits to `room` on every gateway, leaving out the socket with id `exceptSocket` (`volatile`: to the members
    /// that can take it now); returns how many it reached.
    @discardableResult
    func emit(toRoom room: String, event: String, args: [JSONValue], exceptSocket: Socket? = nil, volatile: Bool = false) -> Int {
        var reached = 0
        for namespace in namespaces {
            var selection = exceptSocket.flatMap { $0.namespace === namespace ? $0.to(room) : nil } ?? namespace.to(room)
            if volatile { selection = selection.volatile }
            reached += selection.emit(event, args: args)
        }
        return reached
    }

    /// Emits to every socket of every gateway; returns how many it reached.
    @discardableResult
    func emitToAll(event: String, args: [JSONValue]) -> Int {
        namespaces.reduce(0) { $0 + $1.emit(event, args: args) }
    }

    /// Emits to every socket of the gateway at `path`; returns how many it reached (0 when none is served there).
    @discardableResult
    func emit(toGateway path: String, event: String, args: [JSONValue]) -> Int {
        guard let namespace = namespace(at: path) else { return 0 }
        return namespace.emit(event, args: args)
    }
}
