import NIOCore

/// The Engine.IO handshake over long-polling, as the official client starts: one `GET ?EIO=4&transport=polling` on a
/// connection of its own (`Connection: close`), whose open packet's `sid` the WebSocket then upgrades.
///
/// By hand, like ``WebSocketClientHandshake``: one request shape, no HTTP codec.
final class PollingHandshake: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    enum Failure: Error, CustomStringConvertible {
        case noSessionID(response: String)

        var description: String { "polling handshake without a sid: \(response.prefix(200))" }
        private var response: String { switch self { case .noSessionID(let response): response } }
    }

    private let request: String
    private let sessionID: EventLoopPromise<String>
    private var response = ByteBuffer()

    init(host: String, path: String, sessionID: EventLoopPromise<String>) {
        self.request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"
        self.sessionID = sessionID
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        response.writeBuffer(&incoming)
        if response.readableBytes > 64 * 1024 { context.close(promise: nil) }
    }

    /// The server closes the connection after its response (`Connection: close`): the body is complete.
    func channelInactive(context: ChannelHandlerContext) {
        let text = String(buffer: response)
        if let key = text.range(of: "\"sid\":\""), let end = text[key.upperBound...].firstIndex(of: "\"") {
            sessionID.succeed(String(text[key.upperBound..<end]))
        } else {
            sessionID.fail(Failure.noSessionID(response: text))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        sessionID.fail(error)
        context.close(promise: nil)
    }
}
