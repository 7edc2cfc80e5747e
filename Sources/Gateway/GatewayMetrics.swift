import CoreMetrics
import Foundation
import Synchronization

/// What the gateways count and time, through swift-metrics (the daemon bootstraps Prometheus; without a backend every
/// handle is a no-op). Handles are made once per label set and kept: the event path pays a dictionary lookup, not a
/// factory call. Label values are bounded — gateway paths, configured event names (others count as `_unknown`), error
/// codes, disconnect reasons, handler kinds.
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

    private struct Key: Hashable {
        var label: String
        var values: [String]
    }

    private let counters = Mutex<[Key: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[Key: CoreMetrics.Timer]>([:])
    private let gauges = Mutex<[Key: CoreMetrics.Gauge]>([:])
    /// The gateways of every sample so far, so that one gone reads 0.
    fileprivate let sampled = Mutex<Set<String>>([])
    /// The evictions counted so far (the store counts them itself).
    fileprivate let recoveryEvictions = Mutex(0)
    private let queueWait = CoreMetrics.Timer(label: "gatewayd_queue_wait_seconds")

    func connected(gateway: String) {
        counter("gatewayd_connections_total", ["gateway": gateway]).increment()
    }

    func disconnected(gateway: String, reason: String) {
        counter("gatewayd_disconnections_total", ["gateway": gateway, "reason": reason]).increment()
    }

    /// An event answered: `outcome` is `ok` or its error code.
    func event(gateway: String, event: String, outcome: String) {
        counter("gatewayd_events_total", ["gateway": gateway, "event": event, "outcome": outcome]).increment()
    }

    /// Records a run that started at `start` (``now``); how long it took, in nanoseconds.
    @discardableResult
    func handlerRan(gateway: String, kind: HandlerKind, since start: UInt64) -> UInt64 {
        let elapsed = DispatchTime.now().uptimeNanoseconds &- start
        timer("gatewayd_handler_duration_seconds", ["gateway": gateway, "kind": kind.rawValue]).recordNanoseconds(Int64(elapsed))
        return elapsed
    }

    /// A job started `since` (its submission's `DispatchTime` nanoseconds) after it was queued.
    func queueWaited(since submitted: UInt64) {
        queueWait.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- submitted))
    }

    func emitted(_ target: EmitTarget) {
        counter("gatewayd_emits_total", ["target": target.rawValue]).increment()
    }

    /// A `DB` call of a handler (`op` the action: `find`, `create`, …).
    func dbQuery(_ op: String) {
        counter("gatewayd_db_queries_total", ["op": op]).increment()
    }

    /// Now, as the timers take it.
    static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    fileprivate func counter(_ label: String, _ dimensions: KeyValuePairs<String, String>) -> CoreMetrics.Counter {
        Self.cached(in: counters, label, dimensions, make: CoreMetrics.Counter.init(label:dimensions:))
    }

    private func timer(_ label: String, _ dimensions: KeyValuePairs<String, String>) -> CoreMetrics.Timer {
        Self.cached(in: timers, label, dimensions) { CoreMetrics.Timer(label: $0, dimensions: $1) }
    }

    fileprivate func gauge(_ label: String, _ dimensions: KeyValuePairs<String, String>) -> CoreMetrics.Gauge {
        Self.cached(in: gauges, label, dimensions) { CoreMetrics.Gauge(label: $0, dimensions: $1) }
    }

    private static func cached<Handle: Sendable>(
        in cache: borrowing Mutex<[Key: Handle]>, _ label: String, _ dimensions: KeyValuePairs<String, String>,
        make: (String, [(String, String)]) -> Handle
    ) -> Handle {
        let key = Key(label: label, values: dimensions.map(\.value))
        return cache.withLock { cache in
            if let made = cache[key] { return made }
            let made = make(label, dimensions.map { ($0.key, $0.value) })
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
                gauge("gatewayd_connections", ["gateway": gateway, "transport": transport])
                    .record(sample.connections[gateway]?[transport] ?? 0)
            }
        }
        gauge("gatewayd_queue_depth", [:]).record(sample.queueDepth)
        gauge("gatewayd_lua_memory_bytes", [:]).record(sample.luaMemoryBytes)
        if let revision = sample.configRevision { gauge("gatewayd_config_revision", [:]).record(revision) }
        let evicted = recoveryEvictions.withLock { counted in
            defer { counted = max(counted, sample.recoveryEvictions) }
            return sample.recoveryEvictions - counted
        }
        if evicted > 0 { counter("gatewayd_recovery_evictions_total", [:]).increment(by: evicted) }
    }
}
