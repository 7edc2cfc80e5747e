/// Which socket ids are in which rooms, both ways: the bookkeeping of ``InMemoryAdapter``, kept apart from sockets
/// and delivery so that the selection rules stand on their own.
///
/// A socket is known from the moment it joins the room named by its id until ``removeAll(_:)``; joins of an unknown
/// socket are ignored, so a join racing the socket's departure cannot leave it in a room for good.
struct RoomMembership: Sendable {
    private var members: [String: Set<String>] = [:]
    private var roomsOfSocket: [String: Set<String>] = [:]

    /// Puts `id` in `rooms`; `rooms` must contain `id` itself for a socket not known yet. Returns whether it did.
    @discardableResult
    mutating func add(_ id: String, to rooms: Set<String>) -> Bool {
        guard roomsOfSocket[id] != nil || rooms.contains(id) else { return false }
        for room in rooms { members[room, default: []].insert(id) }
        roomsOfSocket[id, default: []].formUnion(rooms)
        return true
    }

    mutating func remove(_ id: String, from room: String) {
        guard roomsOfSocket[id]?.remove(room) != nil else { return }
        removeMember(id, from: room)
    }

    /// Takes `id` out of every room; it is unknown from then on.
    mutating func removeAll(_ id: String) {
        for room in roomsOfSocket.removeValue(forKey: id) ?? [] { removeMember(id, from: room) }
    }

    private mutating func removeMember(_ id: String, from room: String) {
        members[room]?.remove(id)
        if members[room]?.isEmpty == true { members.removeValue(forKey: room) }
    }

    func rooms(of id: String) -> Set<String> { roomsOfSocket[id] ?? [] }

    func size(of room: String) -> Int { members[room]?.count ?? 0 }

    /// The ids in any of `options.rooms` (every known socket when empty) and in none of `options.except`, each once.
    func select(_ options: BroadcastOptions) -> [String] {
        var excluded = Set<String>()
        for room in options.except {
            if let ids = members[room] { excluded.formUnion(ids) }
        }
        if options.rooms.isEmpty {
            return roomsOfSocket.keys.filter { !excluded.contains($0) }
        }
        if options.rooms.count == 1, let room = options.rooms.first {
            guard let ids = members[room] else { return [] }
            return excluded.isEmpty ? Array(ids) : ids.filter { !excluded.contains($0) }
        }
        var seen = Set<String>()
        var result: [String] = []
        for room in options.rooms {
            for id in members[room] ?? [] where !excluded.contains(id) && seen.insert(id).inserted {
                result.append(id)
            }
        }
        return result
    }
}
