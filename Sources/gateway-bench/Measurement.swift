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
    /// The same by target (`BenchPlan.targets`, in order); latencies by target only when there are several.
    var targets: [TargetMeasurement]

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
        for index in targets.indices { targets[index].add(other.targets[index]) }
    }
}

/// One target's part of a `Measurement`.
struct TargetMeasurement: Sendable {
    /// Connections ready on it (subscribers and, on the first, publishers).
    var connected = 0
    /// Fan-out subscribers on it that joined the room.
    var joined = 0
    /// Deliveries to its subscribers in the measured window.
    var deliveries: UInt64 = 0
    var delivery = LatencyRecorder()

    mutating func add(_ other: TargetMeasurement) {
        connected += other.connected
        joined += other.joined
        deliveries += other.deliveries
        delivery.add(other.delivery)
    }
}

/// Fan-out's whole-run count, warm-up included, read once the load has stopped: every publish the server acked
/// must reach every subscriber that joined before the load started, so what is missing was lost.
struct Settlement: Sendable, Equatable {
    /// Publishes the server acked without an error.
    var published: UInt64 = 0
    /// Publishes sent and not acked (yet).
    var unacked = 0
    /// By target: subscribers that joined, and deliveries they got over the whole run.
    var joined: [Int]
    var delivered: [UInt64]

    init(targets: Int) {
        joined = Array(repeating: 0, count: targets)
        delivered = Array(repeating: 0, count: targets)
    }

    mutating func add(_ other: Settlement) {
        published += other.published
        unacked += other.unacked
        for index in joined.indices {
            joined[index] += other.joined[index]
            delivered[index] += other.delivered[index]
        }
    }

    /// What target `index` should have got: every acked publish, once per subscriber there.
    func expected(_ index: Int) -> UInt64 { published * UInt64(joined[index]) }

    /// Every acked publish has reached every subscriber (or more arrived: duplicates, or unacked publishes).
    var isComplete: Bool { unacked == 0 && joined.indices.allSatisfy { delivered[$0] >= expected($0) } }
}
