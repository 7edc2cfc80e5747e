import Histogram

/// One latency distribution, recorded in nanoseconds and reported in microseconds.
struct LatencyRecorder {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)

    var count: UInt64 { histogram.totalCount }

    mutating func record(nanoseconds: UInt64) {
        _ = histogram.record(max(nanoseconds, 1))
    }

    mutating func reset() {
        histogram.reset()
    }

    /// Merges another shard's distribution into this one.
    mutating func add(_ other: LatencyRecorder) {
        histogram.add(other.histogram)
    }

    /// The JSON shape every latency takes in the report; nil when nothing was recorded.
    var summary: LatencySummary? {
        guard count > 0 else { return nil }
        func micros(_ nanoseconds: UInt64) -> Double { (Double(nanoseconds) / 1000 * 10).rounded() / 10 }
        return LatencySummary(
            count: count,
            p50_us: micros(histogram.valueAtPercentile(50)),
            p90_us: micros(histogram.valueAtPercentile(90)),
            p99_us: micros(histogram.valueAtPercentile(99)),
            p999_us: micros(histogram.valueAtPercentile(99.9)),
            max_us: micros(histogram.max)
        )
    }
}

/// Percentiles of one latency distribution, as written to the JSON line.
struct LatencySummary: Codable {
    let count: UInt64
    let p50_us: Double
    let p90_us: Double
    let p99_us: Double
    let p999_us: Double
    let max_us: Double
}
