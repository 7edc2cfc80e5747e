/// Who a broadcast reaches, socket.io's `BroadcastOptions`: the sockets in any of `rooms` (every socket of the
/// namespace when empty) that are in none of `except`. A socket is in the room named by its own id, so a socket id
/// works in both sets.
public struct BroadcastOptions: Sendable, Equatable {
    public var rooms: Set<String>
    public var except: Set<String>
    public var flags: BroadcastFlags

    public init(rooms: Set<String> = [], except: Set<String> = [], flags: BroadcastFlags = BroadcastFlags()) {
        self.rooms = rooms
        self.except = except
        self.flags = flags
    }
}

/// How a broadcast is delivered.
public struct BroadcastFlags: Sendable, Equatable {
    /// socket.io's `volatile`: a recipient that cannot take the packet now (a WebSocket whose buffer is full, a polling
    /// client with no request waiting) misses it instead of having it queued.
    public var volatile: Bool
    /// socket.io's `local`: this node's sockets only, whatever the adapter (a socket's own emits are).
    public var local: Bool
    /// An event without an ack id, not volatile, on a namespace with recovery on: every node that delivers it stamps
    /// it with its own next offset and records it (``Namespace/recordAndDeliver(_:options:deliver:)``).
    var recoverable = false

    public init(volatile: Bool = false, local: Bool = false) {
        self.volatile = volatile
        self.local = local
    }
}
