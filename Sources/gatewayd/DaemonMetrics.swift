import Foundation
import Gateway
import Metrics
import Prometheus

/// The daemon's metrics: swift-metrics bootstrapped once per process onto a Prometheus registry, which `GET /metrics`
/// renders after sampling what is read at scrape time (the gateways' gauges and the process's own figures).
struct DaemonMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    /// Makes every swift-metrics handle of the process report to a new registry: call once, before anything counts.
    static func bootstrap() -> DaemonMetrics {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // From 100 µs: a queue wait or a short handler takes well under the 5 ms of the default first bucket.
        factory.defaultDurationHistogramBuckets = [
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
        ].map { Duration.microseconds(Int64($0 * 1_000_000)) }
        MetricsSystem.bootstrap(factory)
        return DaemonMetrics(registry: registry)
    }

    /// The exposition, after sampling `gateway` and the process.
    func render(sampling gateway: GatewayRuntime) -> [UInt8] {
        gateway.sampleMetrics()
        if let process = ProcessFigures.read() {
            registry.makeGauge(name: "process_resident_memory_bytes", help: "Resident memory in bytes.").set(process.residentBytes)
            registry.makeGauge(name: "process_open_fds", help: "Open file descriptors.").set(process.openFileDescriptors)
            registry.makeGauge(name: "process_threads", help: "Threads of the process.").set(process.threads)
            registry.makeGauge(name: "process_start_time_seconds", help: "When the process started, in seconds since the epoch.")
                .set(process.startTime)
            registry.makeGauge(name: "process_cpu_seconds", help: "User and system CPU time spent, in seconds.").set(process.cpuSeconds)
        }
        return registry.emitToBuffer()
    }
}

/// What Linux's `/proc` says of this process.
struct ProcessFigures {
    var residentBytes: Double
    var openFileDescriptors: Double
    var threads: Double
    var startTime: Double
    var cpuSeconds: Double

    /// nil where `/proc` is not Linux's.
    static func read() -> ProcessFigures? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let systemStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let bootLine = systemStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let bootTime = Double(bootLine.dropFirst("btime ".count)) else { return nil }
        // After the command's closing parenthesis: field 3 (state) onwards, so field n is at index n - 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
        guard let userTicks = field(14), let systemTicks = field(15), let threads = field(20), let startTicks = field(22),
              let residentPages = field(24) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        return ProcessFigures(
            residentBytes: residentPages * pageSize, openFileDescriptors: Double(descriptors), threads: threads,
            startTime: bootTime + startTicks / ticks, cpuSeconds: (userTicks + systemTicks) / ticks)
    }
}
