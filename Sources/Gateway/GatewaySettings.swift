import ScriptSandbox

/// How the gateway runtime queues, limits and shuts down; the daemon fills it from its configuration.
public struct GatewaySettings: Sendable {
    /// Handler runs that may be pending (waiting or running) before events are refused with `QUEUE_FULL`.
    public var queueSize: Int
    /// Bytes of event payloads (as they came) the pending runs may hold before events are refused with `QUEUE_FULL`.
    public var maxQueuedBytes: Int
    /// Handler runs one socket may have pending before its events are refused with `TOO_MANY_REQUESTS`.
    public var maxPendingPerSocket: Int
    /// How long shutdown waits for queued handlers before abandoning the rest with `SHUTTING_DOWN`.
    public var shutdownGrace: Duration
    /// How often the store's revision is checked for changes made elsewhere (admin API, `handlers sync`); nil when
    /// the store says when it changed (``GatewayRuntime/reloadSoon()``), as a cluster's database does.
    public var reloadInterval: Duration?
    /// Bytes of JSON a run may leave in `SOCKET.data`.
    public var socketDataBytes: Int
    /// How long after its token's `exp` (and the `auth:expired` event) a socket is disconnected.
    public var authExpiryGrace: Duration
    /// How long signed-in users' `ws:result` / `ws:error` payloads are kept for `ws:results` (zero: not kept).
    public var resultRetention: Duration
    /// A handler run longer than this is logged as a warning (`slow handler`).
    public var slowHandler: Duration
    /// Each socket's event budget: events past it are refused with `RATE_LIMITED`, a socket that floods is disconnected.
    public var eventRate: EventRateLimit.Policy

    public init(
        queueSize: Int = 1000, maxQueuedBytes: Int = GatewaySettings.defaultMaxQueuedBytes, maxPendingPerSocket: Int = 100,
        shutdownGrace: Duration = .seconds(10), reloadInterval: Duration? = .milliseconds(500),
        socketDataBytes: Int = HandlerLimits.defaultSocketDataBytes, authExpiryGrace: Duration = .zero,
        resultRetention: Duration = .seconds(60), slowHandler: Duration = .seconds(1),
        eventRate: EventRateLimit.Policy = EventRateLimit.Policy()
    ) {
        self.queueSize = queueSize
        self.maxQueuedBytes = maxQueuedBytes
        self.maxPendingPerSocket = maxPendingPerSocket
        self.shutdownGrace = shutdownGrace
        self.reloadInterval = reloadInterval
        self.socketDataBytes = socketDataBytes
        self.authExpiryGrace = authExpiryGrace
        self.resultRetention = resultRetention
        self.slowHandler = slowHandler
        self.eventRate = eventRate
    }

    /// 256 MiB: parsed, the arguments take a few times that, which is the queue's share of the memory budget
    /// (docs/hardening.md).
    public static let defaultMaxQueuedBytes = 256 << 20

    /// The limits of a handler run of `timeoutMs`.
    func limits(timeoutMilliseconds: Int) -> HandlerLimits {
        HandlerLimits(timeoutMilliseconds: timeoutMilliseconds, socketDataBytes: socketDataBytes)
    }
}
