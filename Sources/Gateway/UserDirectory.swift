import JSONCore
import SocketIO
import Synchronization

/// Which sockets belong to which authenticated user, across every gateway: what `emitToUser` reaches.
///
/// Deliberately not a Socket.IO room: script rooms are arbitrary strings, so a room named after a user
/// could be joined by anyone. This index is written only from verified tokens.
final class UserDirectory: Sendable {
    private let sockets = Mutex<[String: [String: Socket]]>([:])

    func add(_ socket: Socket, user: String) {
        sockets.withLock { $0[user, default: [:]][socket.id] = socket }
    }

    func remove(_ socket: Socket, user: String) {
        sockets.withLock { sockets in
            sockets[user]?.removeValue(forKey: socket.id)
            if sockets[user]?.isEmpty == true { sockets.removeValue(forKey: user) }
        }
    }

    /// Emits to every socket of `user`; returns how many it reached.
    @discardableResult
    func emit(toUser user: String, event: String, args: [JSONValue]) -> Int {
        let targets = sockets.withLock { Array(($0[user] ?? [:]).values) }
        for socket in targets { socket.emit(event, args: args) }
        return targets.count
    }
}
