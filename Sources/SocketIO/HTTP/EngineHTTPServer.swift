import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket

extension HTTPServerBuilder {
    /// HTTP/1 for the application's router, with `engine`'s WebSocket upgrade, under `limits`.
    static func engineIO(_ engine: EngineServer, limits: HTTPLimits) -> HTTPServerBuilder {
        let configuration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(idleTimeout: limits.idleTimeout),
            // Engine.IO's heartbeat keeps the connection alive and detects dead peers; WebSocket pings would only
            // add a task per connection.
            ws: .init(maxFrameSize: engine.options.webSocketFrameLimit, autoPing: .disabled))
        return HTTPServerBuilder { responder in
            LimitedHTTPChannel(
                base: HTTP1WebSocketUpgradeChannel(
                    responder: responder, configuration: configuration,
                    shouldUpgrade: { head, channel, _ in engine.webSocketUpgrade(for: head, channel: channel) }),
                headerTimeout: limits.headerTimeout)
        }
    }
}
