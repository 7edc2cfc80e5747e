import HummingbirdCore
import Logging
import NIOCore

/// A server child channel with ``HTTPLimits``' request head and body timeouts added to the pipeline `Base` sets up.
///
/// `Base` is ``EngineHTTPChannel``; its idle handling (``HTTPLimits/idleTimeout``) closes keep-alive connections that
/// have no request in flight.
struct LimitedHTTPChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let headerTimeout: TimeAmount
    let bodyTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try RequestTimeouts.install(on: channel, headTimeout: headerTimeout, bodyTimeout: bodyTimeout, logger: logger)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
