import JSONCore

/// A selection of sockets in one namespace to emit to — rooms to include, rooms (or socket ids) to leave out, flags —
/// handed through the namespace (which stamps it for recovery) to its adapter, which does the delivery.
public struct BroadcastOperator: Sendable {
    let namespace: Namespace
    private var options = BroadcastOptions()

    init(namespace: Namespace) {
        self.namespace = namespace
    }

    public func to(_ room: String) -> BroadcastOperator {
        var copy = self
        copy.options.rooms.insert(room)
        return copy
    }

    public func except(_ room: String) -> BroadcastOperator {
        var copy = self
        copy.options.except.insert(room)
        return copy
    }

    /// socket.io's `volatile` flag: each recipient that cannot take the packet now misses it.
    public var volatile: BroadcastOperator {
        var copy = self
        copy.options.flags.volatile = true
        return copy
    }

    /// socket.io's `local` flag: this node's sockets only.
    public var local: BroadcastOperator {
        var copy = self
        copy.options.flags.local = true
        return copy
    }

    /// Emits to every selected socket; returns how many it reached on this node.
    @discardableResult
    public func emit(_ event: String, args: [JSONValue]) -> Int {
        namespace.broadcast(packet(event, args), options: options)
    }

    /// Emits to every selected socket; returns how many it reached on every node.
    public func emitCounting(_ event: String, args: [JSONValue]) async -> Int {
        await namespace.broadcastCounting(packet(event, args), options: options)
    }

    /// The selected sockets, on every node, as they are now.
    public func fetchSockets() async throws -> [SocketSnapshot] {
        try await namespace.adapter.fetchSockets(options)
    }

    /// Puts every selected socket, on every node, in `rooms`.
    public func socketsJoin(_ rooms: Set<String>) {
        namespace.adapter.addSockets(options, rooms: rooms)
    }

    /// Takes every selected socket, on every node, out of `rooms`.
    public func socketsLeave(_ rooms: Set<String>) {
        namespace.adapter.delSockets(options, rooms: rooms)
    }

    /// Disconnects every selected socket, on every node (reason `server namespace disconnect`); with `close`, their
    /// connections are closed too.
    public func disconnectSockets(close: Bool = false) {
        namespace.adapter.disconnectSockets(options, close: close)
    }

    private func packet(_ event: String, _ args: [JSONValue]) -> SocketIOPacket {
        SocketIOPacket(.event, namespace: namespace.name, data: .array([.string(event)] + args))
    }
}
