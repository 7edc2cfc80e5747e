import EngineIO
import JSONCore
import NIOCore
import Synchronization

/// The adapter of a single process: room membership in memory, both ways, and delivery to this process's sockets.
/// ``ClusterAdapter`` keeps one for its own node's sockets.
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
    /// The namespace that stamps and records recoverable packets (while recovery is on), from ``start(for:)`` to
    /// ``close()``.
    private let recorder = Mutex<Namespace?>(nil)

    public init() {}

    /// One process has nobody to announce itself to; the namespace records what this adapter delivers.
    public func start(for namespace: Namespace) {
        recorder.withLock { $0 = namespace }
    }

    /// Nor anybody to say goodbye to.
    public func close() {
        recorder.withLock { $0 = nil }
    }

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

    public func addSockets(_ options: BroadcastOptions, rooms: Set<String>) {
        state.withLock { state in
            for id in state.membership.select(options) { state.membership.add(id, to: rooms) }
        }
    }

    public func delSockets(_ options: BroadcastOptions, rooms: Set<String>) {
        state.withLock { state in
            for id in state.membership.select(options) {
                for room in rooms { state.membership.remove(id, from: room) }
            }
        }
    }

    public func disconnectSockets(_ options: BroadcastOptions, close: Bool) {
        for socket in selected(options) { socket.disconnect(close: close) }
    }

    // MARK: Delivery

    @discardableResult
    public func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) -> Int {
        deliver(options, from: nil, announce: { _ in }) { SocketIOPacketEncoder.encode(packet) }
    }

    /// Delivers a packet encoded elsewhere (by this node's ``ClusterAdapter`` for every node, or by another node) to
    /// the sockets of this process that `options` selects; returns how many. A recoverable packet is recorded: another
    /// node's under `origin`, where that node recorded it; this node's own (`origin` nil) under its next sequence
    /// number, which `announce` hears first (nil when it was not recorded).
    @discardableResult
    func broadcast(_ packet: EncodedSocketIOPacket, options: BroadcastOptions, from origin: PacketOrigin? = nil,
                   announce: (PacketOrigin?) -> Void = { _ in }) -> Int {
        deliver(options, from: origin, announce: announce) { packet }
    }

    /// Frames the packet (`encode`) only if anybody is selected — or, recoverable, to be recorded for whoever left.
    private func deliver(_ options: BroadcastOptions, from origin: PacketOrigin?, announce: (PacketOrigin?) -> Void,
                         encode: () -> EncodedSocketIOPacket) -> Int {
        if options.flags.recoverable, let namespace = recorder.withLock({ $0 }) {
            return namespace.recordAndDeliver(encode(), from: origin, options: options, announce: announce) { stamped in
                send(stamped.outbound, to: selected(options), volatile: false, queued: true)
            }
        }
        if origin == nil { announce(nil) }
        let recipients = selected(options)
        guard !recipients.isEmpty else { return 0 }
        return send(encode().outbound, to: recipients, volatile: options.flags.volatile, queued: false)
    }

    /// `queued`: on every loop through its queue, none in place (recorded packets keep their recording order).
    private func send(_ encoded: OutboundPackets, to recipients: [Socket], volatile: Bool, queued: Bool) -> Int {
        guard !recipients.isEmpty else { return 0 }
        if recipients.count == 1, !queued {
            recipients[0].client.deliver(encoded, volatile: volatile)
            return 1
        }
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, clients: [Client])] = [:]
        for socket in recipients {
            let loop = socket.client.deliveryLoop
            byLoop[ObjectIdentifier(loop), default: (loop, [])].clients.append(socket.client)
        }
        // The caller's own loop is served in place and the others in their queue's order, as a single send would be:
        // what one thread sends to a connection arrives in the order it was sent.
        // Queued, each delivery is announced to its session first: a session that upgraded to a WebSocket of another
        // loop is delivered on that loop, and nothing sent later may overtake a batch still queued on the old one.
        for (loop, clients) in byLoop.values {
            if loop.inEventLoop, !queued {
                for client in clients { client.deliver(encoded, volatile: volatile) }
            } else {
                for client in clients { client.expectQueuedDelivery() }
                loop.execute { for client in clients { client.deliverQueued(encoded, volatile: volatile) } }
            }
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

    /// No other node to have it.
    public func releaseSession(pid: String) async -> Bool { false }

    /// No other node to have logged anything.
    public func recoveryLogs() async -> [RecoveryLogSnapshot] { [] }

    // MARK: Queries

    public func sockets(_ options: BroadcastOptions) async throws -> Set<String> {
        Set(ids(options))
    }

    public func roomSize(_ room: String) async -> Int {
        localRoomSize(room)
    }

    public func localRoomSize(_ room: String) -> Int {
        state.withLock { $0.membership.size(of: room) }
    }

    public func fetchSockets(_ options: BroadcastOptions) async throws -> [SocketSnapshot] {
        snapshots(options)
    }

    /// The ids of the sockets of this process that `options` selects.
    func ids(_ options: BroadcastOptions) -> [String] {
        state.withLock { $0.membership.select(options) }
    }

    /// How many sockets of this process `options` selects.
    func count(_ options: BroadcastOptions) -> Int {
        state.withLock { $0.membership.count(options) }
    }

    /// The sockets of this process that `options` selects, as they are now.
    func snapshots(_ options: BroadcastOptions) -> [SocketSnapshot] {
        let found = state.withLock { state in
            state.membership.select(options).compactMap { id in
                state.sockets[id].map { (socket: $0, rooms: state.membership.rooms(of: id)) }
            }
        }
        // Read outside this lock: a socket's data is behind its own.
        return found.map {
            SocketSnapshot(id: $0.socket.id, handshake: $0.socket.handshake, rooms: $0.rooms, data: $0.socket.data,
                           transport: $0.socket.transport)
        }
    }

    private func selected(_ options: BroadcastOptions) -> [Socket] {
        state.withLock { state in state.membership.select(options).compactMap { state.sockets[$0] } }
    }
}
