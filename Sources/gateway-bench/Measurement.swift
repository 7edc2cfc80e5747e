/// What one shard measured, handed from its event loop to the command, which merges the shards' into one.
struct Measurement: Sendable {
    var seconds: Double
    var completions: UInt64
    var deliveries: UInt64
    var connected: Int
    var ack: LatencyRecorder
    var result: LatencyRecorder
    var delivery: LatencyRecorder
    var errors: [String: Int]

    /// Adds `other`'s counts, latencies and errors to these. The shards' windows open and close together, a few
    /// microseconds apart; the longer one is kept, so a rate is never overstated.
    mutating func add(_ other: Measurement) {
        seconds = max(seconds, other.seconds)
        completions += other.completions
        deliveries += other.deliveries
        connected += other.connected
        ack.add(other.ack)
        result.add(other.result)
        delivery.add(other.delivery)
        errors.merge(other.errors, uniquingKeysWith: +)
    }
}
