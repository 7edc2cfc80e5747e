import CoreMetrics
import Foundation
import Synchronization

/// What the gateways count and time, through swift-metrics (the daemon bootstraps Prometheus; without a backend every
/// handle is a no-op). Handles are made once per label set and kept, so a lookup is a dictionary's, not a factory
/// call; an event's own handles are resolved once per handler (``EventHandles``), so its success costs no lookup at
/// all. Label values are bounded — gateway paths, configured event names (others count as `_unknown`), error codes,
/// disconnect reasons, handler kinds.
final class GatewayMetrics: Sendable {
    /// The process's: metrics are the process's too (swift-metrics' `MetricsSystem`).
    static let shared = GatewayMetrics()

    /// What a handler run was for (`kind` of `gatewayd_handler_duration_seconds`).
    enum HandlerKind: String, Sendable {
        case event, connection, disconnect, hook, fallback
    }

    /// Where a handler's or the admin API's emit went (`target` of `gatewayd_emits_total`).
    enum EmitTarget: String, Sendable {
        case reply, room, user, gateway, broadcast, admin
    }

    /// The `event` label of an event no handler of its own serves.
    static let unknownEvent = "_unknown"
    /// The `event` label of an event refused for the socket's rate, whatever its name.
    static let rateLimited = "_rate_limited"

    /// A metric's name and the names of its labels (at most three).
    fileprivate struct Metric: Sendable {
        var label: String
        var labelNames: [String] = []

        static let connectionsTotal = Metric(label: "gatewayd_connections_total", labelNames: ["gateway"])
        static let disconnections = Metric(label: "gatewayd_disconnections_total", labelNames: ["gateway", "reason"])
        static let events = Metric(label: "gatewayd_events_total", labelNames: ["gateway", "event", "outcome"])
        static let handlerDuration = Metric(label: "gatewayd_handler_duration_seconds", labelNames: ["gateway", "kind"])
        static let emits = Metric(label: "gatewayd_emits_total", labelNames: ["target"])
        static let dbQueries = Metric(label: "gatewayd_db_queries_total", labelNames: ["op"])
        static let connections = Metric(label: "gatewayd_connections", labelNames: ["gateway", "transport"])
        static let queueDepth = Metric(label: "gatewayd_queue_depth")
        static let luaMemory = Metric(label: "gatewayd_lua_memory_bytes")
        static let configRevision = Metric(label: "gatewayd_config_revision")
        static let recoveryEvictions = Metric(label: "gatewayd_recovery_evictions_total")
    }

    /// One label set of a metric: its label values in a fixed tuple, so that a lookup on the event path allocates
    /// nothing.
    private struct Key: Hashable {
        var label: String
        var first: String, second: String, third: String
    }

    private let counters = Mutex<[Key: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[Key: CoreMetrics.Timer]>([:])
    private let gauges = Mutex<[Key: CoreMetrics.Gauge]>([:])
    /// The gateways of every sample so far, so that one gone reads 0.
    fileprivate let sampled = Mutex<Set<String>>([])
    /// The evictions counted so far (the store counts them itself).
    fileprivate let recoveryEvictionsCounted = Mutex(0)
    private let queueWait = CoreMetrics.Timer(label: "gatewayd_queue_wait_seconds")

    func connected(gateway: String) {
        counter(.connectionsTotal, gateway).increment()
    }

    func disconnected(gateway: String, reason: String) {
        counter(.disconnections, gateway, reason).increment()
    }

    /// An event answered: `outcome` is `ok` or its error code.
    func event(gateway: String, event: String, outcome: String) {
        counter(.events, gateway, event, outcome).increment()
    }

    /// The run-time handle of a gateway's handlers of `kind`.
    func handlerDuration(gateway: String, kind: HandlerKind) -> CoreMetrics.Timer {
        Self.cached(in: timers, .handlerDuration, gateway, kind.rawValue) { CoreMetrics.Timer(label: $0, dimensions: $1) }
    }

    /// Records in `duration` a run that started at `start` (``now``); how long it took, in nanoseconds.
    @discardableResult
    func handlerRan(_ duration: CoreMetrics.Timer, since start: UInt64) -> UInt64 {
        let elapsed = DispatchTime.now().uptimeNanoseconds &- start
        duration.recordNanoseconds(Int64(elapsed))
        return elapsed
    }

    /// The handles an event handler's runs record into, resolved once per handler instead of on every event (a lookup
    /// hashes four strings): its run time, and its `ok` count (an error code's count is looked up when it happens).
    final class EventHandles: Sendable {
        let duration: CoreMetrics.Timer
        /// The `event` label: the event's name, or `_unknown` for the fallback's.
        let event: String
        private let succeeded: CoreMetrics.Counter
        private let gateway: String

        init(gateway: String, event: String, kind: HandlerKind) {
            self.gateway = gateway
            self.event = event
            duration = GatewayMetrics.shared.handlerDuration(gateway: gateway, kind: kind)
            succeeded = GatewayMetrics.shared.counter(.events, gateway, event, "ok")
        }

        /// An event answered: `outcome` is `ok` or its error code.
        func answered(_ outcome: String) {
            if outcome == "ok" { succeeded.increment() } else { GatewayMetrics.shared.event(gateway: gateway, event: event, outcome: outcome) }
        }
    }

    /// A job started `since` (its submission's `DispatchTime` nanoseconds) after it was queued.
    func queueWaited(since submitted: UInt64) {
        queueWait.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- submitted))
    }

    func emitted(_ target: EmitTarget) {
        counter(.emits, target.rawValue).increment()
    }

    /// A `DB` call of a handler (`op` the action: `find`, `create`, …).
    func dbQuery(_ op: String) {
        counter(.dbQueries, op).increment()
    }

    /// Now, as the timers take it.
    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    fileprivate func counter(_ metric: Metric, _ first: String = "", _ second: String = "", _ third: String = "") -> CoreMetrics.Counter {
        Self.cached(in: counters, metric, first, second, third, make: CoreMetrics.Counter.init(label:dimensions:))
    }

    fileprivate func gauge(_ metric: Metric, _ first: String = "", _ second: String = "") -> CoreMetrics.Gauge {
        Self.cached(in: gauges, metric, first, second) { CoreMetrics.Gauge(label: $0, dimensions: $1) }
    }

    /// The handle of `metric` with these label values (in the order of its label names), made on first use.
    private static func cached<Handle: Sendable>(
        in cache: borrowing Mutex<[Key: Handle]>, _ metric: Metric, _ first: String = "", _ second: String = "",
        _ third: String = "", make: (String, [(String, String)]) -> Handle
    ) -> Handle {
        let key = Key(label: metric.label, first: first, second: second, third: third)
        return cache.withLock { cache in
            if let made = cache[key] { return made }
            let made = make(metric.label, Array(zip(metric.labelNames, [first, second, third])))
            cache[key] = made
            return made
        }
    }
}

extension GatewayMetrics {
    /// The gauges read from the runtime's state when metrics are scraped, rather than kept up to date on every change.
    struct Sample: Sendable {
        /// Sockets by gateway and transport.
        var connections: [String: [String: Int]]
        var queueDepth: Int
        var luaMemoryBytes: Int
        var configRevision: Int64?
        /// Recovery packets and sessions evicted for the buffer since start.
        var recoveryEvictions: Int
    }

    /// Records a sample: every gateway and transport seen before and gone now reads 0.
    func record(_ sample: Sample) {
        let transports = ["polling", "websocket"]
        let gateways = sampled.withLock { seen in
            defer { seen.formUnion(sample.connections.keys) }
            return seen.union(sample.connections.keys)
        }
        for gateway in gateways {
            for transport in transports {
                gauge(.connections, gateway, transport)
                    .record(sample.connections[gateway]?[transport] ?? 0)
            }
        }
        gauge(.queueDepth).record(sample.queueDepth)
        gauge(.luaMemory).record(sample.luaMemoryBytes)
        if let revision = sample.configRevision { gauge(.configRevision).record(revision) }
        let evicted = recoveryEvictionsCounted.withLock { counted in
            defer { counted = max(counted, sample.recoveryEvictions) }
            return sample.recoveryEvictions - counted
        }
        if evicted > 0 { counter(.recoveryEvictions).increment(by: evicted) }
    }
}
