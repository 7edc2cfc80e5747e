import JSONCore

/// The mutable record of one run that the host functions write to: its socket, limits and logs.
final class HandlerRun {
    let socket: any HandlerSocket
    let limits: HandlerLimits
    private(set) var logs: [JSONValue] = []
    /// Bytes of log text still allowed (the payload cap bounds all of a run's logs together).
    private(set) var logBudget: Int
    private var logsTruncated = false
    private(set) var socketCalls = 0

    init(socket: any HandlerSocket, limits: HandlerLimits) {
        self.socket = socket
        self.limits = limits
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
