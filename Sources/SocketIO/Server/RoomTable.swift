import Synchronization

/// The rooms of one namespace: which sockets are in which room, both ways.
///
/// socket.io calls this the adapter. Every socket is in the room named by its own id, so "emit to a
/// socket id" and "emit to a room" are the same operation.
public final class RoomTable: Sendable {
    private struct State {
        var members: [String: [String: Socket]] = [:]
        var roomsOfSocket: [String: Set<String>] = [:]
    }

    private let state = Mutex(State())

    func add(_ socket: Socket, to room: String) {
        state.withLock { state in
            state.members[room, default: [:]][socket.id] = socket
            state.roomsOfSocket[socket.id, default: []].insert(room)
        }
    }

    func remove(_ socket: Socket, from room: String) {
        state.withLock { state in
            state.members[room]?.removeValue(forKey: socket.id)
            if state.members[room]?.isEmpty == true { state.members.removeValue(forKey: room) }
            state.roomsOfSocket[socket.id]?.remove(room)
        }
    }

    /// Takes a socket out of every room it is in.
    func removeEverywhere(_ socket: Socket) {
        state.withLock { state in
            for room in state.roomsOfSocket.removeValue(forKey: socket.id) ?? [] {
                state.members[room]?.removeValue(forKey: socket.id)
                if state.members[room]?.isEmpty == true { state.members.removeValue(forKey: room) }
            }
        }
    }

    func rooms(of socketID: String) -> Set<String> {
        state.withLock { $0.roomsOfSocket[socketID] ?? [] }
    }

    /// How many sockets are in `room`.
    public func size(of room: String) -> Int {
        state.withLock { $0.members[room]?.count ?? 0 }
    }

    /// The sockets in any of `rooms` and in none of `excludedRooms`, without `excludedSockets`.
    func sockets(inAnyOf rooms: Set<String>, excludingRooms excludedRooms: Set<String>, excludingSockets excludedSockets: Set<String>) -> [Socket] {
        state.withLock { state in
            var excluded = excludedSockets
            for room in excludedRooms {
                for id in state.members[room]?.keys ?? [:].keys { excluded.insert(id) }
            }
            if rooms.count == 1, let room = rooms.first {
                guard let members = state.members[room] else { return [] }
                if excluded.isEmpty { return Array(members.values) }
                return members.values.filter { !excluded.contains($0.id) }
            }
            var seen = Set<String>()
            var result: [Socket] = []
            for room in rooms {
                for (id, socket) in state.members[room] ?? [:] where !excluded.contains(id) && seen.insert(id).inserted {
                    result.append(socket)
                }
            }
            return result
        }
    }
}
