@testable import EngineIO
import NIOCore
import NIOEmbedded
import Testing

/// Two embedded channels on one loop glued together, as a relayed WebSocket and its owner's connection are.
@Suite struct GlueHandlerTests {
    /// Below the glue: the reads it lets through and the closes it asks for.
    final class Recorder: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var reads = 0
        var closes: [CloseMode] = []

        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }

        func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
            closes.append(mode)
            context.close(mode: mode, promise: promise)
        }
    }

    let client: EmbeddedChannel
    let owner: EmbeddedChannel
    let clientRecorder = Recorder()
    let ownerRecorder = Recorder()

    init() throws {
        let loop = EmbeddedEventLoop()
        let (clientEnd, ownerEnd) = GlueHandler.matchedPair()
        client = EmbeddedChannel(handlers: [clientRecorder, clientEnd], loop: loop)
        owner = EmbeddedChannel(handlers: [ownerRecorder, ownerEnd], loop: loop)
    }

    @Test func bytesCrossBothWays() throws {
        #expect(try client.relays("to the owner", to: owner))
        #expect(try owner.relays("to the client", to: client))
    }

    @Test func aSideIsNotReadWhileTheOtherCannotWrite() {
        owner.isWritable = false
        owner.pipeline.fireChannelWritabilityChanged()
        client.read()
        #expect(clientRecorder.reads == 0)
        owner.isWritable = true
        owner.pipeline.fireChannelWritabilityChanged()
        #expect(clientRecorder.reads == 1)
        client.read()
        #expect(clientRecorder.reads == 2)
    }

    @Test func aHalfCloseCrossesOver() {
        client.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        // (An embedded channel then closes whole: a socket would go on reading.)
        #expect(ownerRecorder.closes.first == .output)
    }

    @Test func aCloseCrossesOver() throws {
        try owner.close().wait()
        #expect(clientRecorder.closes == [.all])
        #expect(!client.isActive)
    }
}
