import JSONCore

/// The mutable record of one run that the host functions write to: its socket, services, limits and logs.
final class HandlerRun {
    let socket: any HandlerSocket
    let services: HandlerServices
    let limits: HandlerLimits
    /// When the run must end (`clua_monotonic_ns` clock): host calls that wait (DB) stop there too.
    let deadline: UInt64
    private(set) var logs: [JSONValue] = []
    /// Bytes of log text still allowed (the payload cap bounds all of a run's logs together).
    private(set) var logBudget: Int
    private var logsTruncated = false
    private(set) var socketCalls = 0

    init(socket: any HandlerSocket, services: HandlerServices, limits: HandlerLimits, deadline: UInt64) {
        self.socket = socket
        self.services = services
        self.limits = limits
        self.deadline = deadline
        self.logBudget = limits.maxPayloadBytes
    }

    var acceptsLogs: Bool { !logsTruncated }

    /// Appends an entry whose JSON text takes `bytes` of the remaining budget; past a limit, logging stops
    /// with one final marker entry instead of failing the handler.
    func appendLog(_ entry: JSONValue, bytes: Int) {
        guard !logsTruncated else { return }
        guard logs.count < limits.maxLogEntries, bytes <= logBudget else {
            truncateLogs()
            return
        }
        logBudget -= bytes
        logs.append(entry)
    }

    func truncateLogs() {
        guard !logsTruncated else { return }
        logsTruncated = true
        logs.append(.string("[logs truncated: limit of \(limits.maxLogEntries) entries or \(limits.maxPayloadBytes) bytes reached]"))
    }

    /// Counts a SOCKET call; false once the run has made as many as it may.
    func admitSocketCall() -> Bool {
        guard socketCalls < limits.maxSocketCalls else { return false }
        socketCalls += 1
        return true
    }
}
