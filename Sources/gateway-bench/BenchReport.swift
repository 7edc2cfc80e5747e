import Foundation

/// The JSON line a run prints: every figure the runner's table and the README use.
struct BenchReport: Codable {
    var label: String
    var scenario: String
    var `protocol`: String
    /// `websocket` or `polling-upgrade` (Socket.IO runs other than churn).
    var transport: String? = nil
    var url: String
    var namespace: String
    var connections: Int
    var connected: Int
    var publishers: Int?
    var in_flight: Int?
    var rate_per_connection: Double?
    var payload_bytes: Int
    var duration_s: Double
    var events: UInt64
    var throughput: Double
    var errors: Int
    var error_kinds: [String: Int]
    var ack: LatencySummary?
    var result: LatencySummary?
    var delivery: LatencySummary?
    var deliveries: UInt64?
    var deliveries_per_s: Double?
    var connect_time_s: Double
    var server_rss_kb_before: Int?
    var server_rss_kb: Int?
    var rss_per_conn_bytes: Int?
    /// Event-loop threads the generator ran on.
    var generator_threads: Int?
    /// The server's CPU time (user + system) over the measured window, and per unit of work (event, or delivery in
    /// fan-out).
    var server_cpu_s: Double?
    var server_cpu_us_per_unit: Double?
    /// With several `--server-pid`s: each one's CPU time over the window and RSS after it, by pid.
    var server_cpu_s_by_pid: [String: Double]?
    var server_rss_kb_by_pid: [String: Int]?
    /// Each server's three busiest threads over the window, by pid: a serial bottleneck is one thread near one core.
    var server_busiest_threads_by_pid: [String: [ThreadCPU]]?
    /// The `--database-pid` process tree's CPU time over the window.
    var database_cpu_s: Double?
    /// This generator's own CPU time over the window (all its threads).
    var generator_cpu_s: Double?
    /// Every CPU's busy time over the window, whoever used it (from /proc/stat).
    var machine_cpu_s: Double?
    /// Fan-out over the whole run (warm-up included), counted once the load stopped and the deliveries settled:
    /// publishes acked (and still unacked), deliveries, and what every acked publish owed every joined subscriber.
    var publishes_acked: UInt64?
    var publishes_unacked: Int?
    var deliveries_total: UInt64?
    var deliveries_expected: UInt64?
    var deliveries_missing: UInt64?
    var deliveries_extra: UInt64?
    /// With several `--url`s: what each one's connections measured, in `--url` order.
    var targets: [TargetReport]?

    /// Adds the figures beyond the single-server report.
    mutating func add(cpu: CPUReading?, rssByPid: [String: Int]?, settlement: Settlement?, measured: Measurement, plan: BenchPlan) {
        if let cpu {
            if cpu.byServer.count > 1 {
                server_cpu_s_by_pid = cpu.byServer.reduce(into: [:]) { $0["\($1.key)"] = $1.value }
            }
            server_busiest_threads_by_pid = cpu.threadsByServer.isEmpty ? nil : cpu.busiestThreads(3)
            database_cpu_s = cpu.database
            generator_cpu_s = cpu.generator
            machine_cpu_s = cpu.machine
        }
        server_rss_kb_by_pid = rssByPid
        if let settlement {
            let indices = settlement.joined.indices
            let delivered = settlement.delivered.reduce(0, +)
            let expected = indices.map(settlement.expected).reduce(0, +)
            publishes_acked = settlement.published
            publishes_unacked = settlement.unacked
            deliveries_total = delivered
            deliveries_expected = expected
            deliveries_missing = indices.map { settlement.expected($0) - min(settlement.delivered[$0], settlement.expected($0)) }.reduce(0, +)
            deliveries_extra = indices.map { settlement.delivered[$0] - min(settlement.delivered[$0], settlement.expected($0)) }.reduce(0, +)
        }
        guard plan.targets.count > 1 else { return }
        targets = plan.targets.indices.map { index in
            let part = measured.targets[index]
            var target = TargetReport(url: plan.targets[index].url, connected: part.connected)
            if plan.scenario == .fanout {
                target.subscribers = part.joined
                target.deliveries = part.deliveries
                target.deliveries_per_s = measured.seconds > 0 ? Double(part.deliveries) / measured.seconds : nil
                target.delivery = part.delivery.summary
                if let settlement {
                    let expected = settlement.expected(index), delivered = settlement.delivered[index]
                    target.deliveries_total = delivered
                    target.deliveries_expected = expected
                    target.deliveries_missing = expected - min(delivered, expected)
                }
            }
            return target
        }
    }

    func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A few readable lines for a person at a terminal.
    func summary() -> String {
        var lines = ["\(label) \(scenario): \(connected)/\(connections) connected in \(format(connect_time_s)) s"]
        if events > 0 || scenario != "idle" {
            lines.append("  \(events) events in \(format(duration_s)) s = \(format(throughput)) /s, errors \(errors)")
        }
        for (name, latency) in [("ack", ack), ("ws:result", result), ("delivery", delivery)] {
            guard let latency else { continue }
            lines.append(
                "  \(name) µs: p50 \(latency.p50_us) p90 \(latency.p90_us) p99 \(latency.p99_us) "
                    + "p99.9 \(latency.p999_us) max \(latency.max_us) (n=\(latency.count))"
            )
        }
        if let deliveries_per_s { lines.append("  deliveries: \(format(deliveries_per_s)) /s") }
        if let server_rss_kb { lines.append("  server RSS \(server_rss_kb) KiB (before \(server_rss_kb_before ?? 0) KiB)") }
        if let rss_per_conn_bytes { lines.append("  server RSS per connection: \(rss_per_conn_bytes) B") }
        if let server_cpu_s, let server_cpu_us_per_unit {
            lines.append("  server CPU \(format(server_cpu_s)) s = \(format(server_cpu_us_per_unit)) µs per unit of work")
        }
        if let deliveries_expected, let deliveries_total {
            lines.append("  whole run: \(deliveries_total) of \(deliveries_expected) deliveries owed by \(publishes_acked ?? 0) acked "
                + "publishes (missing \(deliveries_missing ?? 0), extra \(deliveries_extra ?? 0), unacked publishes \(publishes_unacked ?? 0))")
        }
        for target in targets ?? [] {
            var line = "  \(target.url): \(target.connected) connected"
            if let subscribers = target.subscribers { line += ", \(subscribers) subscribers" }
            if let rate = target.deliveries_per_s { line += ", \(format(rate)) deliveries/s" }
            if let delivery = target.delivery { line += ", p50 \(delivery.p50_us) p99 \(delivery.p99_us) µs" }
            if let missing = target.deliveries_missing { line += ", missing \(missing)" }
            lines.append(line)
        }
        if !error_kinds.isEmpty { lines.append("  error kinds: \(error_kinds)") }
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }
}

/// A thread's CPU time (user + system) over the measured window.
struct ThreadCPU: Codable {
    var thread: String
    var cpu_s: Double
}

/// One `--url`'s part of a run with several.
struct TargetReport: Codable {
    var url: String
    /// Its connections that became ready (subscribers and, on the first, publishers).
    var connected: Int
    /// Fan-out: its subscribers that joined, and what they received in the window and over the whole run.
    var subscribers: Int?
    var deliveries: UInt64?
    var deliveries_per_s: Double?
    var delivery: LatencySummary?
    var deliveries_total: UInt64?
    var deliveries_expected: UInt64?
    var deliveries_missing: UInt64?
}
