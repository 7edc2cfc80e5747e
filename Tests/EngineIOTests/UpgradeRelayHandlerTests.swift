@testable import EngineIO
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

/// A cluster node's connections: only a first request that upgrades to a WebSocket for another node's session is
/// relayed there; everything else goes on to NIO's upgrader, and the handler leaves the pipeline.
@Suite struct UpgradeRelayHandlerTests {
    /// Stands for NIO's upgrader: what reaches it.
    final class Upgrader: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        var heads: [HTTPRequestHead] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) { heads.append(head) }
        }
    }

    final class NoDelegate: EngineSessionDelegate {
        func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {}
        func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {}
    }

    static let upgrade: HTTPHeaders = ["Host": "balancer", "Connection": "Upgrade", "Upgrade": "websocket"]
    static let nodeB = try! NodeID(validating: "node-b")
    static let addressB = try! PeerAddress(parsing: "10.0.0.2:3000")

    let loop = EmbeddedEventLoop()
    let client: EmbeddedChannel
    let upgrader = Upgrader()
    let relay: UpgradeRelayHandler
    /// The owners the handler asked to connect to, and the connections it is given.
    let connections: NIOLoopBoundBox<[(SessionRoute.Target, EventLoopPromise<any Channel>)]>

    init() throws {
        var options = EngineIOOptions()
        options.cluster = EngineCluster(node: try NodeID(validating: "node-a"), peers: StaticPeerDirectory([Self.nodeB: Self.addressB]))
        let engine = EngineServer(options: options, logger: Logger(label: "test")) { _ in NoDelegate() }
        client = EmbeddedChannel(loop: loop)
        let encoder = HTTPResponseEncoder()
        let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
        let connections = NIOLoopBoundBox([(SessionRoute.Target, EventLoopPromise<any Channel>)](), eventLoop: loop)
        self.connections = connections
        relay = UpgradeRelayHandler(
            engine: engine, httpHandlers: .init(encoder: encoder, decoder: decoder, upgrader: upgrader),
            connector: { target, eventLoop in
                let promise = eventLoop.makePromise(of: (any Channel).self)
                connections.value.append((target, promise))
                return promise.futureResult
            })
        try client.pipeline.syncOperations.addHandlers([encoder, decoder, relay, upgrader])
    }

    func send(_ uri: String, headers: HTTPHeaders, then extra: String = "") throws {
        var request = "GET \(uri) HTTP/1.1\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try client.writeInbound(ByteBuffer(string: request + "\r\n" + extra))
    }

    func pipelineHas<Handler: ChannelHandler>(_ type: Handler.Type) -> Bool {
        (try? client.pipeline.syncOperations.handler(type: type)) != nil
    }

    @Test(arguments: [
        ("/socket.io/?EIO=4&transport=polling&sid=node-b~abc", HTTPHeaders([("Host", "balancer")])),  // not an upgrade
        ("/socket.io/?EIO=4&transport=websocket&sid=node-a~abc", upgrade),  // this node's session
        ("/socket.io/?EIO=4&transport=websocket", upgrade),  // a new WebSocket session
        ("/elsewhere?sid=node-b~abc", upgrade),  // not an Engine.IO path
        ("/socket.io/?EIO=4&transport=websocket&sid=node-c~abc", upgrade),  // a node nobody knows: refused by the upgrader
        ("/socket.io/?EIO=4&transport=websocket&sid=node-b~abc", HTTPHeaders(upgrade.map { $0 } + [("X-Gatewayd-Forwarded-By", "node-c")])),
    ])
    func passedOnToTheUpgrader(_ uri: String, headers: HTTPHeaders) throws {
        try send(uri, headers: headers)
        #expect(upgrader.heads.map(\.uri) == [uri])
        #expect(!pipelineHas(UpgradeRelayHandler.self))
        #expect(connections.value.isEmpty)
        #expect(!relay.hasRelayed)
    }

    @Test func anotherNodesUpgradeGoesToItsOwnerAndTheConnectionIsSpliced() throws {
        let uri = "/socket.io/?EIO=4&transport=websocket&sid=node-b~abc"
        try send(uri, headers: Self.upgrade, then: "early bytes")
        #expect(upgrader.heads.isEmpty)
        let (target, connected) = try #require(connections.value.first)
        #expect(target == SessionRoute.Target(owner: Self.nodeB, address: Self.addressB, forwarder: try NodeID(validating: "node-a")))

        let owner = EmbeddedChannel(loop: loop)
        connected.succeed(owner)
        loop.run()  // the decoder leaves on the loop's next turn, handing on what it holds
        let request = try #require(try owner.readOutbound(as: ByteBuffer.self))
        #expect(String(buffer: request) == """
            GET \(uri) HTTP/1.1\r\nHost: balancer\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
            X-Gatewayd-Forwarded-By: node-a\r\n\r\n
            """)
        #expect(try owner.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "early bytes"))
        #expect(relay.hasRelayed)
        #expect(!pipelineHas(UpgradeRelayHandler.self) && !pipelineHas(HTTPResponseEncoder.self) && !pipelineHas(Upgrader.self))
        #expect(!pipelineHas(ByteToMessageHandler<HTTPRequestDecoder>.self))

        #expect(try owner.relays("HTTP/1.1 101 Switching Protocols\r\n\r\n", to: client))
        #expect(try client.relays("a frame", to: owner))
    }

    @Test func anOwnerThatCannotBeReachedLeavesTheRequestToTheUpgrader() throws {
        let uri = "/socket.io/?EIO=4&transport=websocket&sid=node-b~abc"
        try send(uri, headers: Self.upgrade)
        let (_, connected) = try #require(connections.value.first)
        connected.fail(ChannelError.connectTimeout(.seconds(5)))
        #expect(upgrader.heads.map(\.uri) == [uri])
        #expect(!pipelineHas(UpgradeRelayHandler.self))
        #expect(!relay.hasRelayed)
    }

    @Test func aClientThatLeavesWhileItsOwnerIsConnectedToClosesThatConnection() throws {
        try send("/socket.io/?EIO=4&transport=websocket&sid=node-b~abc", headers: Self.upgrade)
        try client.close().wait()
        let owner = EmbeddedChannel(loop: loop)
        try owner.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try #require(connections.value.first).1.succeed(owner)
        #expect(!owner.isActive)
    }
}
