import Hummingbird
import Logging

extension EngineServer {
    /// Where a request for session `sid` is forwarded; nil when it is answered here. A request for another node's
    /// session that cannot be forwarded is answered here too, as an unknown session, and logged.
    func forwardingTarget(sid: String?, forwardedBy: @autoclosure () -> String?) -> SessionRoute.Target? {
        guard let cluster = options.cluster else { return nil }
        switch cluster.route(sid: sid, forwardedBy: forwardedBy()) {
        case .local:
            return nil
        case .forward(let target):
            return target
        case .unknownNode(let node):
            logger.warning("a request names a session of a node the peer directory does not know: answered as unknown", metadata: [
                "engine.sid": "\(sid ?? "")", "node": "\(node)",
            ])
            return nil
        case .misdirected(let node, let forwarder):
            logger.warning("a forwarded request names another node's session: answered as unknown, not forwarded again", metadata: [
                "engine.sid": "\(sid ?? "")", "node": "\(node)", "forwarded_by": "\(forwarder)",
            ])
            return nil
        }
    }

    /// The owner's answer to a polling request for its session; nil when it could not be had (logged).
    func relayPolling(_ request: Request, to target: SessionRoute.Target) async -> Response? {
        do {
            return try await PollingRelay(options: options, eventLoops: eventLoops).forward(request, to: target)
        } catch {
            logUnreachableOwner(target, error: error, transport: .polling)
            return nil
        }
    }

    /// The request is then answered here, as for an unknown session.
    func logUnreachableOwner(_ target: SessionRoute.Target, error: any Error, transport: EngineIOOptions.Transport) {
        logger.warning("could not reach the node that owns a session: answered as an unknown session", metadata: [
            "node": "\(target.owner)", "address": "\(target.address)", "error": "\(error)", "transport": "\(transport)",
        ])
    }
}
