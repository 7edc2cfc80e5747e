import JSONCore
import Synchronization
import Testing

@testable import SocketIO

/// The packet log and the sessions of connection state recovery, on one node and across a cluster's nodes, whose
/// logs record the same packets in different orders.
@Suite struct RecoveryLogTests {
    private static let window = Duration.seconds(60)

    private static func event(_ n: Int) -> EncodedSocketIOPacket {
        SocketIOPacketEncoder.encode(SocketIOPacket(.event, namespace: "/live", data: ["room", .int(n)]))
    }

    /// The message numbers and offsets of encoded `["room", n, offset]` packets.
    private static func read(_ packets: [EncodedSocketIOPacket]) throws -> [(n: Int, offset: String)] {
        try packets.map { packet in
            let text = String(decoding: packet.text, as: UTF8.self)
            let array = try JSONValue(parsing: String(text.drop { $0 != "[" }))
            guard case .array(let items) = array, case .int(let n) = items[1], case .string(let offset) = items[2] else {
                throw CancellationError()
            }
            return (n, offset)
        }
    }

    private static func session(_ pid: String, start: RecoveryPosition, rooms: Set<String> = ["a"]) -> PersistedSession {
        PersistedSession(id: "a", pid: pid, disconnection: "d1", rooms: rooms, data: ["kept": true], start: start)
    }

    @Test func positionsReadAsTheyAreWritten() throws {
        #expect(RecoveryPosition(text: "42") == RecoveryPosition(["": 42]))
        #expect(RecoveryPosition(["": 42]).text == "42")
        let cluster = RecoveryPosition(["b": 17, "a": 42])
        #expect(cluster.text == "a~42.b~17")
        #expect(RecoveryPosition(text: cluster.text) == cluster)
        #expect(RecoveryPosition(text: "") == RecoveryPosition())
        for malformed in ["a~", "~1", "a~1.a~2", "a~1..b~2", "a~x", "-1", "a~1~2"] {
            #expect(RecoveryPosition(text: malformed) == nil, "\(malformed)")
        }
        #expect(cluster.covers(RecoveryPosition(["a": 42])))
        #expect(!cluster.covers(RecoveryPosition(["c": 1])))
        #expect(cluster.covers(RecoveryPosition(["c": 1]), ignoring: ["c"]))
    }

    @Test func aSingleNodeReplaysWhatCameAfterTheOffset() async throws {
        let store = InMemorySessionStore()
        let start = store.head(in: "/live")
        var offsets: [String] = []
        for n in 1...5 {
            let (stamped, origin) = store.record(Self.event(n), from: nil, options: BroadcastOptions(rooms: ["a"]), in: "/live",
                                                 retention: Self.window)
            #expect(origin == PacketOrigin(origin: "", sequence: UInt64(n)))
            offsets.append(try Self.read([stamped])[0].offset)
        }
        #expect(offsets == ["1", "2", "3", "4", "5"])
        store.persist(Self.session("p", start: start), in: "/live", retention: Self.window)
        #expect(await store.take(pid: "p", after: RecoveryPosition(["": 9]), in: "/live") == nil, "an offset never handed out")
        let taken = try #require(await store.take(pid: "p", after: RecoveryPosition(text: "3"), in: "/live"))
        #expect(taken.data == ["kept": true])
        #expect(try Self.read(store.missed(by: taken, in: "/live")).map(\.n) == [4, 5])
        #expect(await store.take(pid: "p", after: nil, in: "/live") == nil, "taken once")
    }

    /// Node 1 records its own packets 1–3 and node 2's packets 1–2 interleaved one way, node 2 the other way. A client
    /// of node 1 that had everything up to node 1's third packet comes back through node 2: it gets exactly the two it
    /// missed, and their offsets never step back behind its own, so that a second drop replays nothing twice.
    @Test func anotherNodeReplaysExactlyWhatTheClientMissed() async throws {
        let one = InMemorySessionStore(origin: "n1"), two = InMemorySessionStore(origin: "n2")
        let options = BroadcastOptions(rooms: ["a"])
        let start = one.head(in: "/live")
        func fromOne(_ n: Int) throws -> String {
            let (stamped, origin) = one.record(Self.event(n), from: nil, options: options, in: "/live", retention: Self.window)
            _ = two.record(Self.event(n), from: origin, options: options, in: "/live", retention: Self.window)
            return try Self.read([stamped])[0].offset
        }
        func fromTwo(_ n: Int, reachingOneNow: Bool = true) -> PacketOrigin {
            let (_, origin) = two.record(Self.event(n), from: nil, options: options, in: "/live", retention: Self.window)
            if reachingOneNow { _ = one.record(Self.event(n), from: origin, options: options, in: "/live", retention: Self.window) }
            return origin
        }
        // Node 1 sees: 101 (its own), 201 (node 2's), 102, then its own 103 before node 2's 202 reaches it; node 2
        // sees 202 before 103.
        _ = try fromOne(101)
        _ = fromTwo(201)
        _ = try fromOne(102)
        let late = fromTwo(202, reachingOneNow: false)
        let clientHas = try fromOne(103)
        _ = one.record(Self.event(202), from: late, options: options, in: "/live", retention: Self.window)
        _ = fromTwo(203)
        #expect(clientHas == "n1~3.n2~1")

        two.persist(Self.session("p", start: start), in: "/live", retention: Self.window)
        let taken = try #require(await two.take(pid: "p", after: RecoveryPosition(text: clientHas), in: "/live"))
        let missed = try Self.read(two.missed(by: taken, in: "/live"))
        #expect(missed.map(\.n) == [202, 203])
        let after = try #require(RecoveryPosition(text: missed[0].offset))
        #expect(after.covers(try #require(RecoveryPosition(text: clientHas))), "202's offset includes node 1's 103")
        #expect(missed.map(\.offset) == ["n1~3.n2~2", "n1~3.n2~3"])
    }

    @Test func aClientAheadOfThisNodeIsNotRecoveredUntilItCatchesUp() async throws {
        let two = InMemorySessionStore(origin: "n2")
        two.persist(Self.session("p", start: RecoveryPosition()), in: "/live", retention: Self.window)
        #expect(!two.hasHeard(RecoveryPosition(["n1": 1]), in: "/live"))
        #expect(await two.take(pid: "p", after: RecoveryPosition(["n1": 1]), in: "/live") == nil)
        _ = two.record(Self.event(1), from: PacketOrigin(origin: "n1", sequence: 1), options: BroadcastOptions(), in: "/live",
                       retention: Self.window)
        #expect(two.hasHeard(RecoveryPosition(["n1": 1]), in: "/live"))
        #expect(await two.take(pid: "p", after: RecoveryPosition(["n1": 1]), in: "/live") != nil)
    }

    @Test func aLostPacketMakesTheLogIncompleteBeforeIt() async throws {
        let two = InMemorySessionStore(origin: "n2")
        for sequence: UInt64 in [1, 2, 4] {
            _ = two.record(Self.event(Int(sequence)), from: PacketOrigin(origin: "n1", sequence: sequence), options: BroadcastOptions(),
                           in: "/live", retention: Self.window)
        }
        #expect(!two.holdsEverything(after: RecoveryPosition(["n1": 2]), in: "/live"), "3 never arrived")
        #expect(two.holdsEverything(after: RecoveryPosition(["n1": 3]), in: "/live"))
    }

    @Test func sessionsTravelThroughTheSharedTableAsTheyWere() throws {
        var session = PersistedSession(
            id: "s1", pid: "p1", disconnection: "d1", rooms: ["s1", "r"], joined: ["r": RecoveryPosition(["n1": 4, "n2": 9])],
            data: ["user": ["id": "ann"], "n": 3], start: RecoveryPosition(["n1": 2]))
        let read = try #require(PersistedSession(pid: "p1", disconnection: "d1", sharedState: session.sharedState.serialized()))
        session.resumeAfter = session.start
        #expect(read == session)
        #expect(PersistedSession(pid: "p1", disconnection: "d1", sharedState: #"{"id":"s1"}"#) == nil)
    }

    @Test func aClusterStoreRecoversFromTheSharedTableOnce() async throws {
        let table = MemoryTable()
        let one = ClusterSessionStore(maxBytes: 1 << 20, node: "n1", table: table)
        let two = ClusterSessionStore(maxBytes: 1 << 20, node: "n2", table: table)
        let (_, origin) = one.record(Self.event(1), from: nil, options: BroadcastOptions(rooms: ["a"]), in: "/live", retention: Self.window)
        _ = two.record(Self.event(1), from: origin, options: BroadcastOptions(rooms: ["a"]), in: "/live", retention: Self.window)
        one.persist(Self.session("p", start: RecoveryPosition()), in: "/live", retention: Self.window)
        await one.flush()
        let taken = try #require(await two.take(pid: "p", after: nil, in: "/live"))
        #expect(try Self.read(two.missed(by: taken, in: "/live")).map(\.n) == [1])
        #expect(await one.expire(pid: "p", disconnection: "d1", in: "/live") == false, "the window ends without the handler")
        #expect(await two.take(pid: "p", after: nil, in: "/live") == nil)
    }

    /// Node 1 logged its packets 1–5; node 2 starts and hears 6 and 7 before it asks node 1 for its log. Once it took
    /// the log in, it holds everything after 2 (a client that had 2 recovers there, each packet once, in order, with
    /// node 1's offsets), and it keeps logging from its head on.
    @Test func aStartingNodeTakesInWhatAnotherLogged() async throws {
        let one = InMemorySessionStore(origin: "n1"), two = InMemorySessionStore(origin: "n2")
        let options = BroadcastOptions(rooms: ["a"])
        var offsets: [String] = []
        for n in 1...7 {
            let (stamped, origin) = one.record(Self.event(n), from: nil, options: options, in: "/live", retention: Self.window)
            offsets.append(try Self.read([stamped])[0].offset)
            if n >= 6 { _ = two.record(Self.event(n), from: origin, options: options, in: "/live", retention: Self.window) }
        }
        #expect(!two.holdsEverything(after: RecoveryPosition(["n1": 2]), in: "/live"), "before: it heard 6 and 7 only")
        two.adopt(one.snapshot(of: "/live"), in: "/live", retention: Self.window)
        #expect(two.holdsEverything(after: RecoveryPosition(["n1": 2]), in: "/live"))
        two.persist(Self.session("p", start: RecoveryPosition()), in: "/live", retention: Self.window)
        let taken = try #require(await two.take(pid: "p", after: RecoveryPosition(["n1": 2]), in: "/live"))
        let missed = try Self.read(two.missed(by: taken, in: "/live"))
        #expect(missed.map(\.n) == [3, 4, 5, 6, 7])
        #expect(missed.prefix(3).map(\.offset) == Array(offsets[2..<5]), "node 1's offsets for what node 2 took in")
        let (next, _) = two.record(Self.event(8), from: nil, options: options, in: "/live", retention: Self.window)
        #expect(try Self.read([next])[0].offset == "n1~7.n2~1")
        // A second snapshot adds nothing twice.
        two.adopt(one.snapshot(of: "/live"), in: "/live", retention: Self.window)
        #expect(two.snapshot(of: "/live").entries.count == 8)
    }

    /// A node tracks its connected socket's state as it changes; the client comes back through another node while the
    /// first still has it connected (or died unseen): the other node knows it is connected elsewhere, and takes the
    /// state as last tracked — rooms, data and all. The first node's own view: not elsewhere.
    @Test func aConnectedSocketsTrackedStateIsRecoveredThroughAnotherNode() async throws {
        let table = MemoryTable()
        let one = ClusterSessionStore(maxBytes: 1 << 20, node: "n1", table: table)
        let two = ClusterSessionStore(maxBytes: 1 << 20, node: "n2", table: table)
        #expect(await two.isConnectedElsewhere(pid: "p", in: "/live") == false, "nothing tracked yet")
        one.track(pid: "p", in: "/live", retention: Self.window) { Self.session("p", start: RecoveryPosition(), rooms: ["a", "r"]) }
        await one.flush()
        #expect(await one.isConnectedElsewhere(pid: "p", in: "/live") == false)
        #expect(await two.isConnectedElsewhere(pid: "p", in: "/live"))
        let taken = try #require(await two.take(pid: "p", after: nil, in: "/live"))
        #expect(taken.rooms == ["a", "r"] && taken.data == ["kept": true])
        #expect(await two.isConnectedElsewhere(pid: "p", in: "/live") == false, "taken once")
        #expect(await two.take(pid: "p", after: nil, in: "/live") == nil)
    }

    /// A session's writes land in order: while the first is under way, a second is asked for and then a third, which
    /// replaces the second; a socket that left for good drops its row; a state that is gone when written (the socket
    /// left meanwhile) writes nothing.
    @Test func aSessionsWritesLandInOrderTheLatestWinning() async throws {
        let table = MemoryTable(holdingFirstWrite: true)
        let store = ClusterSessionStore(maxBytes: 1 << 20, node: "n1", table: table)
        let second = Self.session("p", start: RecoveryPosition(), rooms: ["a", "second"])
        let third = Self.session("p", start: RecoveryPosition(), rooms: ["a", "third"])
        store.track(pid: "p", in: "/live", retention: Self.window) { Self.session("p", start: RecoveryPosition()) }
        store.track(pid: "p", in: "/live", retention: Self.window) { second }
        store.persist(third, in: "/live", retention: Self.window)
        table.openFirstWrite()
        await store.flush()
        #expect(table.written.map(\.connectedOn) == ["n1", nil], "the second write was replaced by the third")
        #expect(try #require(await store.take(pid: "p", after: nil, in: "/live")).rooms == ["a", "third"])
        store.track(pid: "q", in: "/live", retention: Self.window) { Self.session("q", start: RecoveryPosition()) }
        store.forget(pid: "q", disconnection: "d1", in: "/live")
        store.track(pid: "gone", in: "/live", retention: Self.window) { nil }
        await store.flush()
        #expect(await store.take(pid: "q", after: nil, in: "/live") == nil)
        #expect(await store.take(pid: "gone", after: nil, in: "/live") == nil)
        #expect(table.written.count == 3, "q's state was written once, gone's never")
    }
}

/// A ``SharedSessionTable`` in memory, for the cluster store's tests.
/// With `holdingFirstWrite`, its first write waits for ``openFirstWrite()``.
private final class MemoryTable: SharedSessionTable {
    private let rows = Mutex<[String: SharedSessionRow]>([:])
    private let writes = Mutex<[SharedSessionRow]>([])
    private let gate: AsyncStream<Void>.Continuation?
    private let held: AsyncStream<Void>?

    init(holdingFirstWrite: Bool = false) {
        if holdingFirstWrite {
            let (stream, continuation) = AsyncStream<Void>.makeStream()
            (held, gate) = (stream, continuation)
        } else {
            (held, gate) = (nil, nil)
        }
    }

    /// Every row kept so far, in order.
    var written: [SharedSessionRow] { writes.withLock { $0 } }

    func openFirstWrite() {
        gate?.finish()
    }

    func keep(_ session: SharedSessionRow, retention: Duration) async throws {
        if let held, writes.withLock({ $0.isEmpty }) {
            for await _ in held {}
        }
        writes.withLock { $0.append(session) }
        rows.withLock { $0[session.namespace + " " + session.pid] = session }
    }

    func session(pid: String, in namespace: String) async throws -> SharedSessionRow? {
        rows.withLock { $0[namespace + " " + pid] }
    }

    func remove(pid: String, disconnection: String, in namespace: String) async throws -> Bool {
        rows.withLock { rows in
            guard rows[namespace + " " + pid]?.disconnection == disconnection else { return false }
            rows.removeValue(forKey: namespace + " " + pid)
            return true
        }
    }
}
