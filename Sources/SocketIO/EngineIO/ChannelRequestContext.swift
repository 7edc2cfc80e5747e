import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// A request context that keeps its connection's channel.
///
/// After a WebSocket upgrade, Engine.IO frames are written straight to that channel (coalesced into one flush per
/// event-loop tick) instead of one awaited write per frame through the WebSocket writer, which cost a task hop and a
/// `writev` for every frame.
public protocol ChannelRequestContext: RequestContext {
    var channel: any Channel { get }
}

/// What a router needs to carry Engine.IO's WebSocket transport: upgrades, the peer address and the channel.
public typealias EngineIOWebSocketContext = WebSocketRequestContext & RemoteAddressRequestContext & ChannelRequestContext
