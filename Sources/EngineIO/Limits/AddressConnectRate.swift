import Synchronization

/// New Engine.IO sessions per client address: a token bucket each, `rate` a second with bursts of as many, so that one
/// address cannot open sessions faster than they time out (an unpolled session lives a ping interval and timeout).
///
/// Buckets that are full again are dropped once there are more than ``pruneThreshold``, so a scan of many addresses
/// costs memory only while they connect.
final class AddressConnectRate: Sendable {
    static let pruneThreshold = 4096

    let rate: Double
    private struct Entry {
        var bucket: TokenBucket
        /// Refused since its last admitted session: each such episode is logged once.
        var refusing = false
    }

    enum Outcome: Equatable {
        case admitted
        case refused(startsEpisode: Bool)
    }

    private let entries = Mutex<(byAddress: [String: Entry], pruneAt: Int)>(([:], AddressConnectRate.pruneThreshold))

    init(rate: Double) {
        self.rate = rate
    }

    /// Whether `address` may open a session at `now`; counts it if so.
    func admit(_ address: String, now: UInt64) -> Outcome {
        let capacity = max(1, rate.rounded(.up))
        return entries.withLock { state in
            if state.byAddress.count >= state.pruneAt {
                state.byAddress = state.byAddress.filter { !$0.value.bucket.isFull(at: now) }
                state.pruneAt = max(Self.pruneThreshold, state.byAddress.count * 2)
            }
            var entry = state.byAddress[address] ?? Entry(bucket: TokenBucket(rate: rate, capacity: capacity, now: now))
            defer { state.byAddress[address] = entry }
            guard entry.bucket.take(at: now) else {
                defer { entry.refusing = true }
                return .refused(startsEpisode: !entry.refusing)
            }
            entry.refusing = false
            return .admitted
        }
    }

    /// Addresses with a bucket: those that opened sessions lately.
    var trackedAddresses: Int { entries.withLock { $0.byAddress.count } }
}
