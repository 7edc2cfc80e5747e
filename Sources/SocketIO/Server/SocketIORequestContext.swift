import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// A request context for applications that serve Socket.IO: WebSocket upgrades plus the peer address
/// (the handshake's `address`). Use it for both the HTTP and the WebSocket router.
public struct SocketIORequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext, ChannelRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<SocketIORequestContext>
    public let remoteAddress: SocketAddress?
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }
}
