/// The rules every gateway and event value must follow, wherever it comes from (admin API or `handlers/`).
///
/// The database repeats the cheap ones as CHECK constraints; these give the caller a precise field and message.
public enum ConfigRules {
    public static let maxPathLength = 200
    public static let maxEventNameLength = 200
    public static let timeoutRangeMs = 1...300_000
    public static let defaultTimeoutMs = 5000
    /// `recovery.maxDisconnectionMs`: at least a second, at most a day (a disconnected socket's state and missed
    /// packets are held in memory for that long).
    public static let recoveryWindowRangeMs = 1000...86_400_000

    /// Event names Socket.IO itself uses on the client or server side: a handler under one of them would
    /// never run, or would shadow the library's own meaning.
    public static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    static func checkPath(_ path: String) throws(ConfigStoreError) {
        guard path.hasPrefix("/") else {
            throw .invalid(field: "path", message: "must start with '/'")
        }
        guard path.count <= maxPathLength else {
            throw .invalid(field: "path", message: "must be at most \(maxPathLength) characters")
        }
        guard !path.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) else {
            throw .invalid(field: "path", message: "must not contain whitespace or control characters")
        }
        guard !path.contains("?"), !path.contains("#") else {
            throw .invalid(field: "path", message: "must not contain '?' or '#'")
        }
    }

    static func checkEventName(_ name: String) throws(ConfigStoreError) {
        guard !name.isEmpty else {
            throw .invalid(field: "eventName", message: "must not be empty")
        }
        guard name.count <= maxEventNameLength else {
            throw .invalid(field: "eventName", message: "must be at most \(maxEventNameLength) characters")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid(field: "eventName", message: "must not contain control characters")
        }
        guard !reservedEventNames.contains(name) else {
            throw .invalid(field: "eventName", message: "'\(name)' is reserved by Socket.IO")
        }
    }

    static func checkRecoveryWindow(_ milliseconds: Int, field: String) throws(ConfigStoreError) {
        guard recoveryWindowRangeMs.contains(milliseconds) else {
            throw .invalid(
                field: field,
                message: "must be an integer between \(recoveryWindowRangeMs.lowerBound) and \(recoveryWindowRangeMs.upperBound)"
            )
        }
    }

    static func checkTimeout(_ milliseconds: Int, field: String) throws(ConfigStoreError) {
        guard timeoutRangeMs.contains(milliseconds) else {
            throw .invalid(
                field: field,
                message: "must be between \(timeoutRangeMs.lowerBound) and \(timeoutRangeMs.upperBound) milliseconds"
            )
        }
    }
}
