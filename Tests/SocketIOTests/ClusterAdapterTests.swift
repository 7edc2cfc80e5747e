import JSONCore
import Testing

@testable import SocketIO

/// Three nodes over the in-process bus (``TestCluster``), with real sockets on each. Time moves only when a test
/// advances the cluster's clock, so heartbeats, silence and timeouts are verdicts on events, not on wall-clock time.
@Suite(.timeLimit(.minutes(1))) struct ClusterAdapterTests {
    /// a: s1 (red), s2 (red, blue); b: s3 (red), s4; c: s5 (blue), s6 (red).
    private struct Population {
        let s1, s2, s3, s4, s5, s6: TestSocket

        init(_ cluster: TestCluster) {
            s1 = cluster.connect(to: 0, rooms: ["red"])
            s2 = cluster.connect(to: 0, rooms: ["red", "blue"])
            s3 = cluster.connect(to: 1, rooms: ["red"])
            s4 = cluster.connect(to: 1)
            s5 = cluster.connect(to: 2, rooms: ["blue"])
            s6 = cluster.connect(to: 2, rooms: ["red"])
        }
    }

    @Test func aBroadcastReachesTheSelectedSocketsOfEveryNodeAndNoOthers() async {
        let cluster = await TestCluster()
        let p = Population(cluster)
        #expect(cluster.namespace(0).to("red").except("blue").emit("hi", args: [1]) == 1, "s1 here; s2 is in blue")
        // From a socket of b to the rest of red, with binary.
        p.s3.socket.to("red").emit("bytes", args: [.binary([0, 1, 2])])
        // Volatile travels too: no socket has a poll waiting, so nobody gets it.
        cluster.namespace(1).all.volatile.emit("maybe", args: [])
        await cluster.bus.idle()

        #expect(await p.s1.received() == [["hi", 1], ["bytes", .binary([0, 1, 2])]])
        #expect(await p.s2.received() == [["bytes", .binary([0, 1, 2])]])
        #expect(await p.s3.received() == [["hi", 1]])
        #expect(await p.s4.received() == [])
        #expect(await p.s5.received() == [])
        #expect(await p.s6.received() == [["hi", 1], ["bytes", .binary([0, 1, 2])]])
    }

    @Test func countsAndQueriesCoverEveryNode() async throws {
        let cluster = await TestCluster()
        let p = Population(cluster)
        #expect(await cluster.namespace(2).to("blue").emitCounting("count", args: []) == 2)
        #expect(await cluster.namespace(1).all.emitCounting("all", args: []) == 6)
        #expect(await cluster.adapter(2).roomSize("red") == 4)
        #expect(cluster.adapter(2).localRoomSize("red") == 1)
        let ids = try await cluster.adapter(1).sockets(BroadcastOptions(rooms: ["red"], except: ["blue"]))
        #expect(ids == [p.s1.id, p.s3.id, p.s6.id])

        p.s3.socket.data = ["name": "three"]
        let snapshots = try await cluster.namespace(0).to("red").fetchSockets()
        #expect(Set(snapshots.map(\.id)) == [p.s1.id, p.s2.id, p.s3.id, p.s6.id])
        let three = SocketSnapshot(id: p.s3.id, handshake: p.s3.socket.handshake, rooms: [p.s3.id, "red"], data: ["name": "three"],
                                   transport: p.s3.socket.transport)
        #expect(snapshots.first { $0.id == p.s3.id } == three)
        #expect(try await cluster.namespace(2).all.local.fetchSockets().map(\.id).sorted() == [p.s5.id, p.s6.id].sorted())
    }

    @Test func joinLeaveAndDisconnectActOnTheSocketsOfEveryNode() async {
        let cluster = await TestCluster()
        let p = Population(cluster)
        cluster.namespace(0).to("red").except("blue").socketsJoin(["green"])
        await cluster.bus.idle()
        #expect(p.s3.socket.rooms == [p.s3.id, "red", "green"])
        #expect(p.s2.socket.rooms == [p.s2.id, "red", "blue"])
        #expect(await cluster.adapter(1).roomSize("green") == 3)

        cluster.namespace(1).to("blue").socketsLeave(["red"])
        await cluster.bus.idle()
        #expect(p.s2.socket.rooms == [p.s2.id, "blue"])
        #expect(await cluster.adapter(2).roomSize("red") == 3)

        cluster.namespace(0).to(p.s6.id).disconnectSockets(close: true)
        await cluster.bus.idle()
        #expect(!p.s6.socket.isConnected)
        #expect(await p.s6.received() == nil, "its connection is closed")
        #expect(p.s5.socket.isConnected)
        #expect(await cluster.adapter(0).roomSize("red") == 2)

        cluster.namespace(2).to("green").disconnectSockets()
        await cluster.bus.idle()
        #expect(!p.s1.socket.isConnected && !p.s3.socket.isConnected)
        #expect(await p.s3.received() == [], "its connection stays open")
        #expect(p.s2.socket.isConnected && p.s4.socket.isConnected)
    }

    @Test func aSocketsOwnEmitsAndLocalBroadcastsStayOnTheirNode() async {
        let cluster = await TestCluster()
        let p = Population(cluster)
        let published = cluster.bus.handled.count
        p.s3.socket.emit("direct", args: [])
        cluster.namespace(0).all.local.emit("here", args: [])
        await cluster.bus.idle()
        #expect(cluster.bus.handled.count == published, "nothing published")
        #expect(await p.s3.received() == [["direct"]])
        #expect(await p.s1.received() == [["here"]])
        #expect(await p.s4.received() == [])
    }

    @Test func serverSideEventsReachTheOtherNodesAndTheirAnswersComeBack() async {
        let cluster = await TestCluster()
        let (heard, hearing) = AsyncStream.makeStream(of: String.self)
        // b and c listen and answer; a does not listen.
        for index in 1...2 {
            cluster.namespace(index).onServerSideEmit { event, args in
                hearing.yield("\(index):\(event)")
                return [.int(index), args.first ?? .null]
            }
        }
        let answers = await cluster.namespace(0).serverSideEmitWithAck("count", args: ["x"], timeout: .seconds(5))
        #expect(Set(answers) == [[1, "x"], [2, "x"]])

        // a answers that it has no listener (nobody waits for it), and b does not hear itself.
        let fromB = await cluster.namespace(1).serverSideEmitWithAck("ping", args: [], timeout: .seconds(5))
        #expect(fromB == [[2, .null]])

        cluster.namespace(0).serverSideEmit("reload", args: [])
        var events: [String] = []
        for await event in heard {
            events.append(event)
            if events.count == 5 { break }
        }
        #expect(events.prefix(3).sorted() == ["1:count", "2:count", "2:ping"])
        #expect(events.suffix(2).sorted() == ["1:reload", "2:reload"])
    }

    @Test func aNodeThatStopsHeartbeatingIsDroppedAndNotWaitedFor() async throws {
        // Requests would wait a minute: only c's silence can end them sooner.
        let cluster = await TestCluster(options: ClusterAdapterOptions(requestTimeout: .seconds(60)))
        let p = Population(cluster)
        cluster.bus.lose { $0.uid == "c" }
        let listing = Task { try await cluster.namespace(0).all.fetchSockets() }
        await cluster.bus.sighted { $0.uid == "b" && $0.type == .fetchSocketsResponse }
        #expect(cluster.adapter(0).nodes == ["b", "c"])

        // a and b heartbeat at 5 and 10 s; c was last heard at 0 and is dropped once 10 s have passed.
        await cluster.clock.advanceTime(by: .seconds(10))
        #expect(cluster.adapter(0).nodes == ["b", "c"])
        await cluster.clock.advanceTime(by: .seconds(1))
        #expect(cluster.adapter(0).nodes == ["b"])
        #expect(cluster.adapter(1).nodes == ["a"])
        #expect(Set(try await listing.value.map(\.id)) == [p.s1.id, p.s2.id, p.s3.id, p.s4.id])
        #expect(await cluster.adapter(0).roomSize("red") == 3, "asks b alone")
    }

    @Test func aRequestToANodeThatNeverAnswersTimesOut() async {
        let cluster = await TestCluster()
        _ = Population(cluster)
        // c keeps heartbeating, but its answers to FETCH_SOCKETS are lost.
        cluster.bus.lose { $0.uid == "c" && $0.type == .fetchSocketsResponse }
        let listing = Task { try await cluster.namespace(0).all.fetchSockets() }
        await cluster.bus.sighted { $0.uid == "b" && $0.type == .fetchSocketsResponse }
        await cluster.clock.advanceTime(by: .seconds(5))
        let error = await #expect(throws: ClusterRequestTimeout.self) { try await listing.value }
        #expect(error?.missing == ["c"])
        #expect(error?.description == "timeout reached: no answer to FETCH_SOCKETS from node(s) c within 5.0 seconds")

        // A count returns what came: a's 2 and b's 1, without c's.
        let size = Task { await cluster.adapter(0).roomSize("red") }
        await cluster.bus.sighted { message in
            guard message.uid == "b", case .response(_, .socketCount) = message.body else { return false }
            return true
        }
        await cluster.clock.advanceTime(by: .seconds(5))
        #expect(await size.value == 3)
        #expect(cluster.adapter(0).nodes == ["b", "c"], "c is alive all the same")
    }

    @Test func aNodeThatClosesIsDroppedAtOnce() async throws {
        let cluster = await TestCluster()
        let p = Population(cluster)
        cluster.bus.lose { $0.uid == "c" && $0.type == .fetchSocketsResponse }
        let listing = Task { try await cluster.namespace(0).all.fetchSockets() }
        await cluster.bus.sighted { $0.uid == "b" && $0.type == .fetchSocketsResponse }

        cluster.servers[2].removeNamespace(TestCluster.namespace)
        await cluster.bus.idle()
        #expect(Set(try await listing.value.map(\.id)) == [p.s1.id, p.s2.id, p.s3.id, p.s4.id], "no longer waiting for c")
        #expect(!p.s5.socket.isConnected && !p.s6.socket.isConnected)
        #expect(cluster.adapter(0).nodes == ["b"])
        #expect(cluster.adapter(1).nodes == ["a"])
    }
}
