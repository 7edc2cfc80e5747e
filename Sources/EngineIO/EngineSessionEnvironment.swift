import Logging
import Synchronization

/// What every session of a server shares, held once instead of copied into each (an idle connection's memory): the
/// options, the server's logger, the table of open sessions a closing one leaves, and the budget of output waiting
/// for clients.
package final class EngineSessionEnvironment: Sendable {
    package let options: EngineIOOptions
    package let logger: Logger
    package let outboundBudget: OutboundBudget
    /// The open sessions by id.
    let sessions = Mutex<[String: EngineSession]>([:])

    package init(options: EngineIOOptions, logger: Logger) {
        self.options = options
        self.logger = logger
        self.outboundBudget = OutboundBudget(limit: options.maxOutboundTotalBytes)
    }

    /// A session closed: it is no longer found by id.
    func closed(_ session: EngineSession) {
        sessions.withLock { sessions in
            if sessions[session.id] === session { sessions.removeValue(forKey: session.id) }
        }
    }
}
