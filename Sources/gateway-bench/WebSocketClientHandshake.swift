import NIOCore
import NIOWebSocket

/// Performs the client side of the HTTP/1.1 WebSocket upgrade with a fixed request, then swaps itself for the
/// frame codec and the connection's handler.
///
/// Written by hand rather than with NIO's HTTP client upgrader: the generator only ever sends one request shape, and
/// skipping the HTTP codec keeps the per-connection footprint and set-up cost small when opening thousands of sockets.
final class WebSocketClientHandshake: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    enum Failure: Error, CustomStringConvertible {
        case rejected(statusLine: String)
        case responseTooLarge

        var description: String {
            switch self {
            case .rejected(let line): "WebSocket upgrade refused: \(line)"
            case .responseTooLarge: "WebSocket upgrade response exceeded 16 KiB"
            }
        }
    }

    private let host: String
    private let path: String
    private let onFailure: (Error) -> Void
    private let onUpgraded: (ChannelPipeline.SynchronousOperations) throws -> Void
    private var response: ByteBuffer?

    /// - Parameters:
    ///   - onFailure: told why the upgrade failed, before the channel is closed.
    ///   - onUpgraded: adds the handlers that take over after the upgrade (after the frame codec).
    init(
        host: String, path: String, onFailure: @escaping (Error) -> Void,
        onUpgraded: @escaping (ChannelPipeline.SynchronousOperations) throws -> Void
    ) {
        self.host = host
        self.path = path
        self.onFailure = onFailure
        self.onUpgraded = onUpgraded
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, error)
    }

    private func fail(context: ChannelHandlerContext, _ error: Error) {
        onFailure(error)
        context.close(promise: nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if response == nil {
            response = incoming
        } else {
            response!.writeBuffer(&incoming)
        }
        guard var buffered = response else { return }
        let end = buffered.readableBytesView.firstRange(of: [13, 10, 13, 10] as [UInt8])
        guard let end else {
            if buffered.readableBytes > 16 * 1024 { fail(context: context, Failure.responseTooLarge) }
            return
        }
        let headerLength = end.upperBound - buffered.readerIndex
        let header = buffered.readString(length: headerLength) ?? ""
        let statusLine = header.prefix { $0 != "\r" }
        guard statusLine.hasPrefix("HTTP/1.1 101") else {
            fail(context: context, Failure.rejected(statusLine: String(statusLine)))
            return
        }
        do {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 24)), position: .after(self))
            let decoder = try pipeline.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            try pipeline.addHandler(WebSocketFrameEncoder(), position: .after(decoder))
            try onUpgraded(pipeline)
        } catch {
            fail(context: context, error)
            return
        }
        response = nil
        if buffered.readableBytes > 0 {
            context.fireChannelRead(NIOAny(buffered))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
