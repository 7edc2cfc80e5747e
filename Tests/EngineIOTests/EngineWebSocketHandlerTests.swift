@testable import EngineIO
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import Testing

/// The WebSocket handler on an `EmbeddedChannel`: frames in, frames out, and what its session hears, with the loop
/// run by hand.
@Suite struct EngineWebSocketHandlerTests {
    /// What the session tells the layer above.
    final class Recorder: EngineSessionDelegate {
        let received = Mutex<[EnginePacket.Payload]>([])
        let closeReason = Mutex<EngineCloseReason?>(nil)

        func engineSession(_ session: EngineSession, didReceive payload: EnginePacket.Payload) {
            received.withLock { $0.append(payload) }
        }

        func engineSessionDidClose(_ session: EngineSession, reason: EngineCloseReason) {
            closeReason.withLock { $0 = reason }
        }
    }

    /// A WebSocket session on an embedded channel; its open packet has been read off already.
    struct Connection {
        let channel: EmbeddedChannel
        let recorder = Recorder()

        static let messageLimit = 16

        init(version: EngineProtocolVersion = .v4) throws {
            channel = EmbeddedChannel()
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let transport = WebSocketTransport(
                channel: channel, version: version, limit: 1 << 20, budget: OutboundBudget(limit: 0), flusher: ChannelFlusher(eventLoop: channel.eventLoop))
            let session = EngineSession(
                id: "sid", version: version, transport: transport,
                handshake: HandshakeRequest(headers: [:], query: [:], address: "", issued: 0, url: "/"),
                environment: EngineSessionEnvironment(options: EngineIOOptions(), logger: Logger(label: "test")),
                eventLoop: channel.embeddedEventLoop
            )
            try channel.pipeline.syncOperations.addHandler(
                EngineWebSocketHandler(session: session, transport: transport, messageLimit: Self.messageLimit))
            transport.pipelineAttached()
            session.start(upgrades: []) { [recorder] in recorder }
            channel.embeddedEventLoop.run()
            let open = try parsedServerFrame(try #require(try channel.readOutbound(as: ByteBuffer.self)))
            #expect(String(buffer: open.data).hasPrefix("0{"))
        }

        func receive(_ opcode: WebSocketOpcode, _ data: ByteBuffer) throws {
            try channel.writeInbound(WebSocketFrame(fin: true, opcode: opcode, data: data))
            channel.embeddedEventLoop.run()
        }

        func receive(text: String) throws {
            try receive(.text, ByteBuffer(string: text))
        }

        /// The next frame written, which must be there.
        func written() throws -> WebSocketFrame {
            try parsedServerFrame(try #require(try channel.readOutbound(as: ByteBuffer.self)))
        }

        /// The close code of the next frame, which must be a close frame.
        func writtenCloseCode() throws -> WebSocketErrorCode? {
            var frame = try written()
            #expect(frame.opcode == .connectionClose)
            return frame.data.readWebSocketErrorCode()
        }

        var closeReason: EngineCloseReason? { recorder.closeReason.withLock { $0 } }
        var received: [EnginePacket.Payload] { recorder.received.withLock { $0 } }
    }

    /// A transport made before its handshake response (an upgrade's probe) holds what it is sent, and its close, until
    /// its pipeline is attached; then they go out in order.
    @Test func aTransportWritesNothingBeforeItsPipelineIsAttached() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let transport = WebSocketTransport(
            channel: channel, version: .v4, limit: 1 << 20, budget: OutboundBudget(limit: 0), flusher: ChannelFlusher(eventLoop: channel.eventLoop))
        transport.send([EnginePacket(.pong, .text("probe"))])
        transport.close()
        channel.embeddedEventLoop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)  // anything else written would throw here

        let session = EngineSession(
            id: "sid", version: .v4, transport: nil,
            handshake: HandshakeRequest(headers: [:], query: [:], address: "", issued: 0, url: "/"),
            environment: EngineSessionEnvironment(options: EngineIOOptions(), logger: Logger(label: "test")),
            eventLoop: channel.embeddedEventLoop)
        try channel.pipeline.syncOperations.addHandler(
            EngineWebSocketHandler(session: session, transport: transport, messageLimit: Connection.messageLimit))
        transport.pipelineAttached()
        channel.embeddedEventLoop.run()
        let pong = try parsedServerFrame(try #require(try channel.readOutbound(as: ByteBuffer.self)))
        #expect(String(buffer: pong.data) == "3probe")
        var close = try parsedServerFrame(try #require(try channel.readOutbound(as: ByteBuffer.self)))
        #expect(close.opcode == .connectionClose)
        #expect(close.data.readWebSocketErrorCode() == .normalClosure)
        _ = try? channel.finish()
    }

    @Test func aTextFrameIsAPacketForTheSession() throws {
        let connection = try Connection()
        try connection.receive(text: "4hello")
        #expect(connection.received == [.text("hello")])
        // A v4 client's pong answers the heartbeat: nothing is delivered, nothing written.
        try connection.receive(text: "3")
        #expect(connection.received == [.text("hello")])
        #expect(try connection.channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(connection.closeReason == nil)
    }

    @Test func aBinaryFrameIsABinaryMessage() throws {
        let v4 = try Connection()
        try v4.receive(.binary, ByteBuffer(bytes: [1, 2, 3]))
        #expect(v4.received == [.binary([1, 2, 3])])
        // v3 binary frames start with the packet type.
        let v3 = try Connection(version: .v3)
        try v3.receive(.binary, ByteBuffer(bytes: [4, 1, 2]))
        #expect(v3.received == [.binary([1, 2])])
    }

    @Test func aWebSocketPingIsAnsweredWithItsPong() throws {
        let connection = try Connection()
        try connection.receive(.ping, ByteBuffer(string: "beat"))
        let pong = try connection.written()
        #expect(pong.opcode == .pong)
        #expect(String(buffer: pong.data) == "beat")
        #expect(connection.closeReason == nil)
    }

    @Test func theClientsCloseFrameIsAnsweredAndTheConnectionCloses() throws {
        let connection = try Connection()
        try connection.channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x03, 0xE8])))
        // What follows a close frame is not read, even before the answer is out.
        try connection.receive(text: "4late")
        #expect(connection.received.isEmpty)
        #expect(connection.closeReason == .transportClose)
        #expect(try connection.writtenCloseCode() == .normalClosure)
        #expect(!connection.channel.isActive, "closed once the answer is out")
    }

    @Test func anOversizedMessageIsRefusedWithCode1009() throws {
        let connection = try Connection()
        try connection.receive(text: "4" + String(repeating: "x", count: Connection.messageLimit + 1))
        #expect(connection.received.isEmpty)
        #expect(connection.closeReason == .transportError)
        #expect(try connection.writtenCloseCode() == .messageTooLarge)
        // The client has a moment to answer the close frame, then the connection is cut.
        #expect(connection.channel.isActive)
        connection.channel.embeddedEventLoop.advanceTime(by: EngineWebSocketHandler.closeTimeout)
        #expect(!connection.channel.isActive)
    }

    @Test func aMessageAtTheLimitIsRead() throws {
        let connection = try Connection()
        let text = String(repeating: "x", count: Connection.messageLimit)
        try connection.receive(text: "4" + text)
        #expect(connection.received == [.text(text)])
    }

    @Test(arguments: [
        (EngineProtocolVersion.v4, WebSocketOpcode.text, ByteBuffer(string: "9nope")),
        (.v4, .text, ByteBuffer()),
        (.v3, .binary, ByteBuffer(bytes: [9, 1])),
    ])
    func aFrameThatIsNotAPacketIsAProtocolError(version: EngineProtocolVersion, opcode: WebSocketOpcode, data: ByteBuffer) throws {
        let connection = try Connection(version: version)
        try connection.receive(opcode, data)
        #expect(connection.received.isEmpty)
        #expect(connection.closeReason == .parseError)
        #expect(try connection.writtenCloseCode() == .protocolError)
    }

    @Test func aFrameTooLargeToAggregateClosesWith1009AndOtherDecodingErrorsWith1002() throws {
        let tooLarge = try Connection()
        tooLarge.channel.pipeline.fireErrorCaught(NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge)
        tooLarge.channel.embeddedEventLoop.run()
        #expect(tooLarge.closeReason == .transportError)
        #expect(try tooLarge.writtenCloseCode() == .messageTooLarge)

        let malformed = try Connection()
        malformed.channel.pipeline.fireErrorCaught(NIOWebSocketError.multiByteControlFrameLength)
        malformed.channel.embeddedEventLoop.run()
        #expect(malformed.closeReason == .transportError)
        #expect(try malformed.writtenCloseCode() == .protocolError)
        malformed.channel.embeddedEventLoop.advanceTime(by: EngineWebSocketHandler.closeTimeout)
        #expect(!malformed.channel.isActive, "cut when the client does not answer")
    }

    @Test func theClientShuttingItsSideEndsTheSession() throws {
        let connection = try Connection()
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        connection.channel.embeddedEventLoop.run()
        #expect(connection.closeReason == .transportClose)
        #expect(!connection.channel.isActive)
    }

    @Test func quiescingClosesWithServerShuttingDown() throws {
        let connection = try Connection()
        connection.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        connection.channel.embeddedEventLoop.run()
        #expect(connection.closeReason == .serverShuttingDown)
        #expect(try connection.writtenCloseCode() == .normalClosure)
        // The client's answer completes the close handshake.
        try connection.receive(.connectionClose, ByteBuffer(bytes: [0x03, 0xE8]))
        #expect(!connection.channel.isActive)
    }

    @Test func framesWaitWhileTheChannelIsNotWritableAndGoOutWhenItIs() throws {
        // v3, where the server answers the client's ping.
        let v3 = try Connection(version: .v3)
        v3.channel.isWritable = false
        try v3.receive(text: "2")
        #expect(try v3.channel.readOutbound(as: ByteBuffer.self) == nil, "held while the client does not read")
        v3.channel.isWritable = true
        v3.channel.pipeline.fireChannelWritabilityChanged()
        v3.channel.embeddedEventLoop.run()
        #expect(String(buffer: try v3.written().data) == "3")
    }

    @Test func theConnectionGoingAwayEndsTheSession() throws {
        let connection = try Connection()
        try connection.channel.close().wait()
        connection.channel.embeddedEventLoop.run()
        #expect(connection.closeReason == .transportClose)
    }
}
