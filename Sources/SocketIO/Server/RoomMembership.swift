/// Which socket ids are in which rooms, both ways: the bookkeeping of ``InMemoryAdapter``, kept apart from sockets
/// and delivery so that the selection rules stand on their own.
///
/// A socket is known from the moment it joins the room named by its id until ``removeAll(_:)``; joins of an unknown
/// socket are ignored, so a join racing the socket's departure cannot leave it in a room for good.
///
/// Every socket's own room is implied rather than stored: a socket that is in no other room costs one dictionary
/// entry and no set (most sockets, and a set of one is about 100 bytes twice over). It cannot be left either: the
/// socket's own emits are addressed to it.
struct RoomMembership: Sendable {
    /// The members of every room other than a socket's own.
    private var members: [String: Set<String>] = [:]
    /// Every known socket, with its rooms other than its own.
    private var roomsOfSocket: [String: Set<String>] = [:]

    /// Puts `id` in `rooms`; `rooms` must contain `id` itself for a socket not known yet. Returns whether it did.
    @discardableResult
    mutating func add(_ id: String, to rooms: Set<String>) -> Bool {
        guard roomsOfSocket[id] != nil || rooms.contains(id) else { return false }
        var joined = roomsOfSocket.removeValue(forKey: id) ?? []
        for room in rooms where room != id {
            members[room, default: []].insert(id)
            joined.insert(room)
        }
        roomsOfSocket[id] = joined
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

    /// The rooms of `id`, its own included; none for an unknown socket.
    func rooms(of id: String) -> Set<String> {
        roomsOfSocket[id].map { $0.union([id]) } ?? []
    }

    func size(of room: String) -> Int { (members[room]?.count ?? 0) + (roomsOfSocket[room] != nil ? 1 : 0) }

    /// Calls `body` with each member of `room`, once.
    private func forEachMember(of room: String, _ body: (String) -> Void) {
        if roomsOfSocket[room] != nil { body(room) }
        members[room]?.forEach(body)
    }

    /// How many ids ``select(_:)`` returns, without listing them when `options` is one room and no exception.
    func count(_ options: BroadcastOptions) -> Int {
        if options.except.isEmpty, options.rooms.count == 1, let room = options.rooms.first { return size(of: room) }
        return select(options).count
    }

    /// The ids in any of `options.rooms` (every known socket when empty) and in none of `options.except`, each once.
    func select(_ options: BroadcastOptions) -> [String] {
        var excluded = Set<String>()
        for room in options.except { forEachMember(of: room) { excluded.insert($0) } }
        if options.rooms.isEmpty {
            return roomsOfSocket.keys.filter { !excluded.contains($0) }
        }
        var seen = Set<String>()
        var result: [String] = []
        let once = options.rooms.count == 1
        for room in options.rooms {
            forEachMember(of: room) { id in
                // One room lists each member once already.
                if !excluded.contains(id), once || seen.insert(id).inserted { result.append(id) }
            }
        }
        return result
    }
}
