import Logging
import NIOCore
import NIOHTTP1

/// Cuts a connection whose request head is not complete within `timeout`: NIO's HTTP decoder waits for a head
/// forever, and Hummingbird's idle handling only starts once a first head has arrived.
///
/// The clock starts when the connection is accepted, and again at the first byte of each later request; it stops at
/// the decoded head. Between requests (a keep-alive connection, waiting) it is Hummingbird's idle timeout that applies.
/// Two small handlers share it: ``ByteWatch`` before the HTTP decoder sees bytes arrive, ``HeadWatch`` after it sees
/// heads and the end of each response. A WebSocket upgrade request takes both out of the pipeline.
final class RequestHeadTimeout {
    private enum State {
        /// Bytes of a head are due; the connection is cut at the deadline.
        case awaitingHead(Scheduled<Void>)
        /// Requests are being answered (a held long-poll among them).
        case inRequest(count: Int)
        /// Keep-alive, no request in flight: the next byte starts the clock.
        case betweenRequests
        case stopped
    }

    private let timeout: TimeAmount
    private let channel: any Channel
    private let logger: Logger
    private var state = State.betweenRequests

    private init(timeout: TimeAmount, channel: any Channel, logger: Logger) {
        self.timeout = timeout
        self.channel = channel
        self.logger = logger
    }

    /// Adds the two handlers around the HTTP request decoder of an HTTP/1 server pipeline, and starts the clock.
    static func install(on channel: any Channel, timeout: TimeAmount, logger: Logger) throws {
        let pipeline = channel.pipeline.syncOperations
        let decoder = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let clock = RequestHeadTimeout(timeout: timeout, channel: channel, logger: logger)
        let bytes = ByteWatch(clock: clock)
        let heads = HeadWatch(clock: clock, byteWatch: bytes)
        try pipeline.addHandler(bytes, position: .before(decoder.handler))
        try pipeline.addHandler(heads, position: .after(decoder.handler))
        clock.bytesArrived()
    }

    fileprivate func bytesArrived() {
        guard case .betweenRequests = state else { return }
        let channel = self.channel
        let logger = self.logger
        let timeout = self.timeout
        state = .awaitingHead(channel.eventLoop.scheduleTask(in: timeout) {
            logger.debug("request head not complete in time, closing the connection", metadata: [
                "remote": "\(channel.remoteAddress?.description ?? "?")", "timeout_ms": "\(timeout.nanoseconds / 1_000_000)",
            ])
            channel.close(promise: nil)
        })
    }

    fileprivate func headArrived() {
        switch state {
        case .awaitingHead(let deadline):
            deadline.cancel()
            state = .inRequest(count: 1)
        case .inRequest(let count):
            state = .inRequest(count: count + 1)
        case .betweenRequests:
            state = .inRequest(count: 1)
        case .stopped:
            break
        }
    }

    fileprivate func responseEnded() {
        guard case .inRequest(let count) = state else { return }
        state = count > 1 ? .inRequest(count: count - 1) : .betweenRequests
    }

    /// The connection closed or left HTTP: nothing more to time.
    fileprivate func stop() {
        if case .awaitingHead(let deadline) = state { deadline.cancel() }
        state = .stopped
    }
}

extension RequestHeadTimeout {
    /// Before the decoder: raw bytes, to start the clock at the first byte of a request.
    final class ByteWatch: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer

        fileprivate let clock: RequestHeadTimeout

        fileprivate init(clock: RequestHeadTimeout) { self.clock = clock }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            clock.bytesArrived()
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            clock.stop()
            context.fireChannelInactive()
        }
    }

    /// After the decoder: decoded heads stop the clock; the end of the last response in flight re-arms it.
    final class HeadWatch: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        fileprivate let clock: RequestHeadTimeout
        private let byteWatch: ByteWatch

        fileprivate init(clock: RequestHeadTimeout, byteWatch: ByteWatch) {
            self.clock = clock
            self.byteWatch = byteWatch
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else {
                context.fireChannelRead(data)
                return
            }
            clock.headArrived()
            guard head.headers.contains(name: "upgrade") else {
                context.fireChannelRead(data)
                return
            }
            // The connection becomes a WebSocket (Engine.IO's heartbeat times it from here) or is refused and closed:
            // either way no more HTTP heads, and frames must not reach a handler that expects HTTP parts.
            clock.stop()
            context.fireChannelRead(data)
            let pipeline = context.pipeline.syncOperations
            pipeline.removeHandler(byteWatch, promise: nil)
            pipeline.removeHandler(context: context, promise: nil)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .end = unwrapOutboundIn(data) { clock.responseEnded() }
            context.write(data, promise: promise)
        }
    }
}
