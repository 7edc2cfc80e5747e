import Logging
import ScriptSandbox
import SocketIO

/// Runs a gateway's disconnect handler for a socket that left, after whatever the socket still has queued (its lane
/// of the job queue), with `BODY` = the reason it left for.
struct DisconnectHandlers: Sendable {
    let gateways: GatewayDirectory
    let queue: JobQueue
    let pool: ScriptWorkerPool
    let services: GatewayServices
    let settings: GatewaySettings
    let logger: Logger

    func run(_ connection: GatewayConnection, reason: DisconnectReason) {
        guard let gateway = gateways.gateway(at: connection.path), let script = gateway.disconnectScript else { return }
        let pool = pool, logger = logger, limits = settings.limits(timeoutMilliseconds: gateway.record.connectionTimeoutMs)
        let services = services.forRun(user: connection.user)
        let job = JobQueue.Job(
            start: { finished in
                pool.submit(
                    script, context: connection.context(for: script, event: "disconnect", args: [.string(reason.rawValue)]),
                    socket: connection.live, services: services, limits: limits
                ) { outcome in
                    if case .failure(let failure) = outcome {
                        logger.info("disconnect handler failed", metadata: [
                            "gateway": "\(connection.path)", "code": "\(failure.code.rawValue)", "message": "\(failure.message)",
                        ])
                    }
                    finished()
                }
            },
            abandon: {})
        queue.submit(job, lane: connection.socket.id, bypassingLimits: true)
    }
}
