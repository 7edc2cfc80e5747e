import Logging
import NIOCore
import NIOHTTP1

/// Cuts a connection whose request head is not complete within `headTimeout`, or whose request body is not complete
/// within `bodyTimeout` of its head: NIO's HTTP decoder waits for a head forever, Hummingbird's idle handling only
/// starts once a first head has arrived, and every body part a client trickles in would refresh an idle timer.
///
/// The head clock starts when the connection is accepted, and again at the first byte of each later request; it stops
/// at the decoded head, where the body clock starts, which stops at the request's end. Between requests (a keep-alive
/// connection, waiting) it is Hummingbird's idle timeout that applies. Two small handlers share it: ``ByteWatch``
/// before the HTTP decoder sees bytes arrive, ``HeadWatch`` after it sees heads, request ends and the end of each
/// response. A WebSocket upgrade request takes both out of the pipeline.
final class RequestTimeouts {
    private enum State {
        /// Bytes of a head are due; the connection is cut at the deadline.
        case awaitingHead(Scheduled<Void>)
        /// A head arrived and the rest of its request is due by the deadline; `count` requests are being answered.
        case receivingBody(Scheduled<Void>, count: Int)
        /// Requests are being answered (a held long-poll among them).
        case inRequest(count: Int)
        /// Keep-alive, no request in flight: the next byte starts the clock.
        case betweenRequests
        case stopped
    }

    private let headTimeout: TimeAmount
    private let bodyTimeout: TimeAmount
    private let channel: any Channel
    private let logger: Logger
    private var state = State.betweenRequests

    private init(headTimeout: TimeAmount, bodyTimeout: TimeAmount, channel: any Channel, logger: Logger) {
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.channel = channel
        self.logger = logger
    }

    /// Adds the two handlers around the HTTP request decoder of an HTTP/1 server pipeline, and starts the clock.
    static func install(on channel: any Channel, headTimeout: TimeAmount, bodyTimeout: TimeAmount, logger: Logger) throws {
        let pipeline = channel.pipeline.syncOperations
        let decoder = try pipeline.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let clock = RequestTimeouts(headTimeout: headTimeout, bodyTimeout: bodyTimeout, channel: channel, logger: logger)
        let bytes = ByteWatch(clock: clock)
        let heads = HeadWatch(clock: clock, byteWatch: bytes)
        try pipeline.addHandler(bytes, position: .before(decoder.handler))
        try pipeline.addHandler(heads, position: .after(decoder.handler))
        clock.bytesArrived()
    }

    /// Closes the connection at `timeout` from now unless cancelled; `what` names the part that was late, in the log.
    private func deadline(in timeout: TimeAmount, for what: String) -> Scheduled<Void> {
        let channel = self.channel
        let logger = self.logger
        return channel.eventLoop.scheduleTask(in: timeout) {
            logger.info("request \(what) not complete in time, closing the connection", metadata: [
                "remote": "\(channel.remoteAddress?.description ?? "?")", "timeout_ms": "\(timeout.nanoseconds / 1_000_000)",
            ])
            channel.close(promise: nil)
        }
    }

    fileprivate func bytesArrived() {
        guard case .betweenRequests = state else { return }
        state = .awaitingHead(deadline(in: headTimeout, for: "head"))
    }

    fileprivate func headArrived() {
        switch state {
        case .awaitingHead(let deadline):
            deadline.cancel()
            state = .receivingBody(self.deadline(in: bodyTimeout, for: "body"), count: 1)
        case .inRequest(let count):
            state = .receivingBody(deadline(in: bodyTimeout, for: "body"), count: count + 1)
        case .betweenRequests:
            state = .receivingBody(deadline(in: bodyTimeout, for: "body"), count: 1)
        case .receivingBody:
            preconditionFailure("the HTTP decoder passed a head before the end of the request before it")
        case .stopped:
            break
        }
    }

    fileprivate func requestEnded() {
        guard case .receivingBody(let deadline, let count) = state else { return }
        deadline.cancel()
        state = count > 0 ? .inRequest(count: count) : .betweenRequests
    }

    fileprivate func responseEnded() {
        switch state {
        case .inRequest(let count):
            state = count > 1 ? .inRequest(count: count - 1) : .betweenRequests
        case .receivingBody(let deadline, let count):
            // Answered before its body was all read (too large, refused): the rest is still due.
            state = .receivingBody(deadline, count: max(0, count - 1))
        case .awaitingHead, .betweenRequests, .stopped:
            break
        }
    }

    /// The connection closed or left HTTP: nothing more to time.
    fileprivate func stop() {
        switch state {
        case .awaitingHead(let deadline), .receivingBody(let deadline, _): deadline.cancel()
        case .inRequest, .betweenRequests, .stopped: break
        }
        state = .stopped
    }
}

extension RequestTimeouts {
    /// Before the decoder: raw bytes, to start the clock at the first byte of a request.
    final class ByteWatch: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias InboundOut = ByteBuffer

        fileprivate let clock: RequestTimeouts

        fileprivate init(clock: RequestTimeouts) { self.clock = clock }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            clock.bytesArrived()
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            clock.stop()
            context.fireChannelInactive()
        }
    }

    /// After the decoder: a decoded head stops the head clock and starts the body clock, the request's end stops that;
    /// the end of the last response in flight re-arms the head clock.
    final class HeadWatch: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        fileprivate let clock: RequestTimeouts
        private let byteWatch: ByteWatch
        /// A response head went out and its end has not.
        private var responding = false

        fileprivate init(clock: RequestTimeouts, byteWatch: ByteWatch) {
            self.clock = clock
            self.byteWatch = byteWatch
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let head: HTTPRequestHead
            switch unwrapInboundIn(data) {
            case .head(let decoded): head = decoded
            case .body:
                context.fireChannelRead(data)
                return
            case .end:
                clock.requestEnded()
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
            switch unwrapOutboundIn(data) {
            case .head: responding = true
            case .body: break
            case .end:
                responding = false
                clock.responseEnded()
            }
            context.write(data, promise: promise)
        }

        /// A request the decoder cannot parse ends the connection: it is answered first (`431` for a head past the
        /// decoder's 80 KiB, `400` for the rest) unless a response is under way, since NIO's upgrade handler, which
        /// waits for the first head, does not pass the error on to anyone who would answer it.
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            guard let parserError = error as? HTTPParserError else {
                context.fireErrorCaught(error)
                return
            }
            clock.stop()
            if !responding {
                let status: HTTPResponseStatus = parserError == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
                let head = HTTPResponseHead(
                    version: .http1_1, status: status, headers: ["Connection": "close", "Content-Length": "0"])
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
            context.close(promise: nil)
        }
    }
}
