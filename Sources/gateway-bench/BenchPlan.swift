import NIOCore

/// The workloads the generator knows; each maps to events of the `bench` gateway (see `bench/handlers/bench`).
enum Scenario: String, CaseIterable, Sendable {
    /// `echo` in `result` ack mode, closed loop: the ack is the measurement.
    case echoAck = "echo-ack"
    /// `work` in `queued` mode: the accepted-ack, then `ws:result`; both latencies measured.
    case pipeline
    /// Subscribers join one room; publishers call `publish`, which emits to the room.
    case fanout
    /// Connections opened and held; connect time and server memory measured.
    case idle
    /// Connections opened and closed one after another; the server memory they leave behind measured.
    case churn
}

/// What the generator speaks on each WebSocket.
enum WireProtocol: String, CaseIterable, Sendable {
    /// Engine.IO v4 / Socket.IO v5: handshake, namespace CONNECT, heartbeats, events with acks.
    case socketIO = "socketio"
    /// Bare WebSocket: every frame is expected back unchanged (the echo baseline).
    case rawWebSocket = "raw-ws"
}

/// How a Socket.IO connection reaches its WebSocket.
enum Transport: String, CaseIterable, Sendable {
    /// Straight to `transport=websocket` (what clients configured with `transports: ["websocket"]` do).
    case websocket
    /// The official clients' default: the handshake over long-polling, then the WebSocket upgrade (`2probe`, `3probe`,
    /// `5`), then the namespace CONNECT over the WebSocket.
    case pollingUpgrade = "polling-upgrade"
}

/// One server the run connects to (a `--url`).
struct BenchTarget: Sendable {
    var host: String
    var port: Int
    /// The `--url` as given, for the report.
    var url: String
}

/// Everything a run needs to know, fixed before the first connection opens.
struct BenchPlan: Sendable {
    /// The servers, in `--url` order: subscribers, workers and idle connections are spread over them round-robin;
    /// publishers and churn use the first.
    var targets: [BenchTarget]
    /// The index, in the whole run, of this plan's first connection (non-zero in a shard's share): what keeps the
    /// round-robin even over the shards.
    var firstIndex = 0
    var requestPath: String
    /// The polling handshake's path (`…?EIO=4&transport=polling`), used with `Transport.pollingUpgrade`.
    var pollingPath: String
    var transport: Transport
    var namespace: String
    var token: String?
    var wireProtocol: WireProtocol
    var scenario: Scenario
    var connections: Int
    var publishers: Int
    var connectRate: Double
    var inFlight: Int
    var ratePerConnection: Double?
    var payloadBytes: Int
    var room: String
    var sourceAddresses: [SocketAddress]

    /// `/bench,` — the prefix of every packet on a non-default namespace.
    var namespacePrefix: String { namespace == "/" ? "" : namespace + "," }

    /// The Socket.IO CONNECT packet, with the token as `auth` when one is given.
    var connectPacket: String {
        let auth = token.map { "{\"token\":\"\($0)\"}" } ?? ""
        if namespace == "/" { return "40" + auth }
        return "40" + namespace + "," + auth
    }

    var host: String { targets[0].host }
    var port: Int { targets[0].port }

    /// Shard `index` of `count`'s part: an even split of the connections, the publishers and the connect rate.
    func share(_ index: Int, of count: Int) -> BenchPlan {
        func part(_ total: Int) -> Int { total / count + (index < total % count ? 1 : 0) }
        var share = self
        share.connections = part(connections)
        share.publishers = part(publishers)
        share.connectRate = connectRate / Double(count)
        share.firstIndex = firstIndex + index * (connections / count) + min(index, connections % count)
        return share
    }

    /// The target (index in `targets`) of this plan's connection `index`: round-robin over the run, except that
    /// fan-out's publishers (the indexes from `connections` on) all go to the first.
    func target(ofConnection index: Int) -> Int {
        guard targets.count > 1, !(scenario == .fanout && index >= connections) else { return 0 }
        return (firstIndex + index) % targets.count
    }

    /// Sockets that carry the load: subscribers plus publishers in fan-out, otherwise `connections`.
    var totalConnections: Int { scenario == .fanout ? connections + publishers : connections }

    /// `{"p":"xxx…"}`: the body of `echo` and `work`.
    var payloadBody: ByteBuffer { ByteBuffer(string: "{\"p\":\"\(padding)\"}") }

    var joinBody: ByteBuffer { ByteBuffer(string: "{\"room\":\"\(room)\"}") }

    /// `{"p":"xxx…","room":"fan","t":` — a `publish` body up to its send time, which is appended per event.
    var publishBodyPrefix: ByteBuffer { ByteBuffer(string: "{\"p\":\"\(padding)\",\"room\":\"\(room)\",\"t\":") }

    private var padding: String { String(repeating: "x", count: payloadBytes) }
}
