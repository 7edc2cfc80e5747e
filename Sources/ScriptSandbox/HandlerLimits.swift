/// The per-run bounds a handler cannot exceed.
///
/// Defaults: 5 s wall clock (the event's `timeoutMs` when it has one), 64 MiB of Lua memory for the
/// whole state, 1 MiB per returned/emitted/thrown payload (the approximate size of its JSON text, and
/// the same bound for all logs of a run together), 1000 log entries and 1000 SOCKET calls per run, and 64 KiB of
/// JSON text for what a run leaves in `SOCKET.data`.
/// The timeout is enforced within about 5 ms of the deadline (55 ms for a run that starts while the process
/// was idle; see `SandboxWatchdog`).
public struct HandlerLimits: Sendable, Equatable {
    public static let defaultTimeoutMilliseconds = 5000

    public var timeout: Duration
    public var memoryBytes: Int
    public var maxPayloadBytes: Int
    public var maxLogEntries: Int
    public var maxSocketCalls: Int
    public var socketDataBytes: Int

    public static let defaultSocketDataBytes = 64 << 10

    public init(
        timeout: Duration = .milliseconds(HandlerLimits.defaultTimeoutMilliseconds),
        memoryBytes: Int = 64 << 20,
        maxPayloadBytes: Int = 1 << 20,
        maxLogEntries: Int = 1000,
        maxSocketCalls: Int = 1000,
        socketDataBytes: Int = HandlerLimits.defaultSocketDataBytes
    ) {
        self.timeout = timeout
        self.memoryBytes = memoryBytes
        self.maxPayloadBytes = maxPayloadBytes
        self.maxLogEntries = maxLogEntries
        self.maxSocketCalls = maxSocketCalls
        self.socketDataBytes = socketDataBytes
    }

    /// The limits for an event configured with `timeoutMs` (nil: the 5000 ms default).
    public init(timeoutMilliseconds: Int?, socketDataBytes: Int = HandlerLimits.defaultSocketDataBytes) {
        self.init(
            timeout: .milliseconds(timeoutMilliseconds ?? HandlerLimits.defaultTimeoutMilliseconds), socketDataBytes: socketDataBytes)
    }

    var timeoutNanoseconds: UInt64 {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return UInt64(max(nanoseconds, 0))
    }
}
