import Foundation

/// The JSON line a run prints: every figure the runner's table and the README use.
struct BenchReport: Codable {
    var label: String
    var scenario: String
    var `protocol`: String
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
        if !error_kinds.isEmpty { lines.append("  error kinds: \(error_kinds)") }
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
