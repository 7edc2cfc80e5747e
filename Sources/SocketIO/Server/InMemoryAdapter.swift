import EngineIO
import JSONCore
import NIOCore
import Synchronization

/// The adapter of a single process: room membership in memory, both ways, and delivery to this process's sockets.
///
/// A broadcast is encoded once, whatever the number of recipients, and its recipients are grouped by the event loop
/// their connection lives on: one hop per loop, not one per socket (none for the caller's own loop).
public final class InMemoryAdapter: Adapter {
    private struct State {
        var membership = RoomMembership()
        /// The sockets `membership` knows, by id.
        var sockets: [String: Socket] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    // MARK: Membership

    public func addAll(_ socket: Socket, rooms: Set<String>) {
        state.withLock { state in
            if state.membership.add(socket.id, to: rooms), rooms.contains(socket.id) { state.sockets[socket.id] = socket }
        }
    }

    public func del(_ socket: Socket, room: String) {
        state.withLock { $0.membership.remove(socket.id, from: room) }
    }

    public func delAll(_ socket: Socket) {
        state.withLock { state in
            guard state.sockets[socket.id] === socket else { return }
            state.sockets.removeValue(forKey: socket.id)
            state.membership.removeAll(socket.id)
        }
    }

    public func socketRooms(_ id: String) -> Set<String> {
        state.withLock { $0.membership.rooms(of: id) }
    }

    // MARK: Delivery

    @discardableResult
    public func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) -> Int {
        let recipients = selected(options)
        guard !recipients.isEmpty else { return 0 }
        let encoded = SocketIOPacketEncoder.encode(packet).outbound
        let volatile = options.flags.volatile
        if recipients.count == 1 {
            recipients[0].client.deliver(encoded, volatile: volatile)
            return 1
        }
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, clients: [Client])] = [:]
        for socket in recipients {
            let loop = socket.client.eventLoop
            byLoop[ObjectIdentifier(loop), default: (loop, [])].clients.append(socket.client)
        }
        // The caller's own loop is served in place and the others in their queue's order, as a single send would be:
        // what one thread sends to a connection arrives in the order it was sent.
        for (loop, clients) in byLoop.values {
            let deliver: @Sendable () -> Void = { for client in clients { client.deliver(encoded, volatile: volatile) } }
            if loop.inEventLoop { deliver() } else { loop.execute(deliver) }
        }
        return recipients.count
    }

    public func broadcastCounting(_ packet: SocketIOPacket, options: BroadcastOptions) async -> Int {
        broadcast(packet, options: options)
    }

    // MARK: Other nodes

    /// A single process has no other node to tell.
    public func serverSideEmit(_ event: String, args: [JSONValue]) {}

    /// No other node, so no answer, at once.
    public func serverSideEmitWithAck(_ event: String, args: [JSONValue], timeout: Duration) async -> [[JSONValue]] {
        []
    }

    // MARK: Queries

    public func sockets(_ options: BroadcastOptions) async -> Set<String> {
        Set(selected(options).map(\.id))
    }

    public func roomSize(_ room: String) async -> Int {
        localRoomSize(room)
    }

    public func localRoomSize(_ room: String) -> Int {
        state.withLock { $0.membership.size(of: room) }
    }

    public func fetchSockets(_ options: BroadcastOptions) async -> [Socket] {
        selected(options)
    }

    private func selected(_ options: BroadcastOptions) -> [Socket] {
        state.withLock { state in state.membership.select(options).compactMap { state.sockets[$0] } }
    }
}
