import Hummingbird
import HummingbirdCore

extension HTTPServerBuilder {
    /// HTTP/1 for the application's router, with `engine`'s WebSocket upgrade, under `limits`.
    package static func engineIO(_ engine: EngineServer, limits: HTTPLimits) -> HTTPServerBuilder {
        let addressCap = limits.maxConnectionsPerAddress.map(AddressConnectionCap.init)
        return HTTPServerBuilder { responder in
            LimitedHTTPChannel(
                base: EngineHTTPChannel(engine: engine, idleTimeout: limits.idleTimeout, addressCap: addressCap, responder: responder),
                headerTimeout: limits.headerTimeout, bodyTimeout: limits.bodyTimeout)
        }
    }
}
