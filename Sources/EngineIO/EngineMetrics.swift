import CoreMetrics

/// What Engine.IO counts, through swift-metrics (no-ops until the process bootstraps a backend): packets and their
/// payload bytes each way, and the sessions closed because their clients stopped taking what they were sent. Made on
/// first use — after the daemon bootstrapped its metrics, before any client connected.
enum EngineMetrics {
    static let packetsIn = Counter(label: "gatewayd_packets_total", dimensions: [("direction", "in")])
    static let packetsOut = Counter(label: "gatewayd_packets_total", dimensions: [("direction", "out")])
    static let bytesIn = Counter(label: "gatewayd_bytes_total", dimensions: [("direction", "in")])
    static let bytesOut = Counter(label: "gatewayd_bytes_total", dimensions: [("direction", "out")])
    static let outboundClosed = Counter(label: "gatewayd_outbound_closed_total")
}
