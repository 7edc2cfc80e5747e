import Hummingbird
import NIOCore

/// A request context for applications that serve Socket.IO: the peer address (the handshake's `address`) on top of
/// Hummingbird's core context.
public struct SocketIORequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}
