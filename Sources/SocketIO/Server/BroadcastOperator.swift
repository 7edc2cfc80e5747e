import JSONCore

/// A selection of sockets in one namespace to emit to: rooms to include, rooms and sockets to leave out.
///
/// The packet is encoded once and the same Engine.IO frames go to every target, so a room of ten
/// thousand sockets costs one encoding.
public struct BroadcastOperator: Sendable {
    let namespace: Namespace
    private var rooms: Set<String> = []
    private var exceptRooms: Set<String> = []
    private var exceptSockets: Set<String> = []
    private var isVolatile = false

    init(namespace: Namespace) {
        self.namespace = namespace
    }

    public func to(_ room: String) -> BroadcastOperator {
        var copy = self
        copy.rooms.insert(room)
        return copy
    }

    public func except(_ room: String) -> BroadcastOperator {
        var copy = self
        copy.exceptRooms.insert(room)
        return copy
    }

    /// socket.io's `volatile` flag: each recipient that cannot take the packet now misses it.
    public var volatile: BroadcastOperator {
        var copy = self
        copy.isVolatile = true
        return copy
    }

    func excludingSocket(_ id: String) -> BroadcastOperator {
        var copy = self
        copy.exceptSockets.insert(id)
        return copy
    }

    /// The sockets this selection reaches now.
    public var sockets: [Socket] {
        if rooms.isEmpty {
            let excluded = exceptSockets.union(
                namespace.rooms.sockets(inAnyOf: exceptRooms, excludingRooms: [], excludingSockets: []).map(\.id)
            )
            return namespace.sockets.filter { !excluded.contains($0.id) }
        }
        return namespace.rooms.sockets(inAnyOf: rooms, excludingRooms: exceptRooms, excludingSockets: exceptSockets)
    }

    /// Emits to every selected socket; returns how many it was sent to (volatile: offered to; each recipient's
    /// session drops it on its own loop if it cannot take it then).
    @discardableResult
    public func emit(_ event: String, args: [JSONValue]) -> Int {
        let targets = sockets
        guard !targets.isEmpty else { return 0 }
        let packet = SocketIOPacket(.event, namespace: namespace.name, data: .array([.string(event)] + args))
        let frames = SocketIOPacketEncoder.encode(packet).enginePackets
        for socket in targets {
            if isVolatile { socket.client.session.sendVolatile(frames) } else { socket.client.session.send(frames) }
        }
        return targets.count
    }
}
