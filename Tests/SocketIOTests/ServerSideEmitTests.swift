import JSONCore
import Synchronization
import Testing

@testable import SocketIO

/// `serverSideEmit` goes through the adapter to the other nodes' namespaces, never to the sender's own.
@Suite struct ServerSideEmitTests {
    @Test func aSingleProcessHasNoOtherNodeToAnswer() async {
        let namespace = SocketIOServer().of("/chat")
        let heard = Mutex(0)
        namespace.onServerSideEmit { _, _ in
            heard.withLock { $0 += 1 }
            return []
        }
        namespace.serverSideEmit("reload", args: ["a"])
        let answers = await namespace.serverSideEmitWithAck("count", args: [], timeout: .seconds(5))
        #expect(answers.isEmpty)
        #expect(heard.withLock { $0 } == 0, "the sender's own listener is not called")
    }

    @Test(.timeLimit(.minutes(1))) func otherNodesHearAndAnswer() async {
        let cluster = LinkedCluster()
        let nodes = (0..<3).map { _ in
            let namespace = SocketIOServer(makeAdapter: { _ in LinkedAdapter(cluster: cluster) }).of("/chat")
            cluster.join(namespace)
            return namespace
        }
        let (heard, hearing) = AsyncStream.makeStream(of: String.self)
        // Nodes 1 and 2 listen and answer; node 0 does not listen.
        for index in 1...2 {
            nodes[index].onServerSideEmit { event, args in
                hearing.yield("\(index):\(event)")
                return [.int(index), args.first ?? .null]
            }
        }
        let answers = await nodes[0].serverSideEmitWithAck("count", args: ["x"], timeout: .seconds(5))
        #expect(Set(answers) == [[1, "x"], [2, "x"]])

        // Node 0 gives no answer, and node 1 does not hear itself.
        let fromOne = await nodes[1].serverSideEmitWithAck("ping", args: [], timeout: .seconds(5))
        #expect(fromOne == [[2, .null]])

        nodes[0].serverSideEmit("reload", args: [])
        var events: [String] = []
        for await event in heard {
            events.append(event)
            if events.count == 5 { break }
        }
        #expect(events.prefix(3).sorted() == ["1:count", "2:count", "2:ping"])
        #expect(events.suffix(2).sorted() == ["1:reload", "2:reload"])
    }
}

/// Namespaces of several servers in one process, standing in for the nodes of a cluster.
private final class LinkedCluster: Sendable {
    private let namespaces = Mutex<[Namespace]>([])

    func join(_ namespace: Namespace) { namespaces.withLock { $0.append(namespace) } }

    func others(than adapter: LinkedAdapter) -> [Namespace] {
        namespaces.withLock { $0.filter { $0.adapter !== adapter } }
    }
}

/// An in-memory adapter whose server-side events reach the other namespaces of its ``LinkedCluster``.
private final class LinkedAdapter: Adapter {
    private let local = InMemoryAdapter()
    private let cluster: LinkedCluster

    init(cluster: LinkedCluster) { self.cluster = cluster }

    func serverSideEmit(_ event: String, args: [JSONValue]) {
        for namespace in cluster.others(than: self) {
            Task { _ = await namespace.receiveServerSideEmit(event, args: args) }
        }
    }

    func serverSideEmitWithAck(_ event: String, args: [JSONValue], timeout: Duration) async -> [[JSONValue]] {
        var answers: [[JSONValue]] = []
        for namespace in cluster.others(than: self) {
            if let answer = await namespace.receiveServerSideEmit(event, args: args) { answers.append(answer) }
        }
        return answers
    }

    func addAll(_ socket: Socket, rooms: Set<String>) { local.addAll(socket, rooms: rooms) }
    func del(_ socket: Socket, room: String) { local.del(socket, room: room) }
    func delAll(_ socket: Socket) { local.delAll(socket) }
    func socketRooms(_ id: String) -> Set<String> { local.socketRooms(id) }
    func broadcast(_ packet: SocketIOPacket, options: BroadcastOptions) -> Int { local.broadcast(packet, options: options) }
    func broadcastCounting(_ packet: SocketIOPacket, options: BroadcastOptions) async -> Int {
        await local.broadcastCounting(packet, options: options)
    }
    func sockets(_ options: BroadcastOptions) async -> Set<String> { await local.sockets(options) }
    func roomSize(_ room: String) async -> Int { await local.roomSize(room) }
    func localRoomSize(_ room: String) -> Int { local.localRoomSize(room) }
    func fetchSockets(_ options: BroadcastOptions) async -> [Socket] { await local.fetchSockets(options) }
}
