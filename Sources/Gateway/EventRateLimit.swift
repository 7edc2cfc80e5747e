import EngineIO

/// One socket's event budget: a token bucket of `burst` events refilled at `eventsPerSecond`, and a flood watch that
/// says when the socket has sent at least ten times its rate in every second for `floodDuration`.
///
/// An event past the budget is refused (`RATE_LIMITED`), not queued: the answer costs far less than a handler run,
/// and a client that ignores the answers and keeps flooding is disconnected rather than answered forever.
public struct EventRateLimit: Sendable {
    /// The limits every socket of the daemon gets.
    public struct Policy: Sendable, Equatable {
        /// Sustained events per second; nil: no limit.
        public var eventsPerSecond: Double?
        /// Events a quiet socket may send at once.
        public var burst: Int
        /// How long a socket may keep sending at ``floodFactor`` × the rate before it is disconnected.
        public var floodDuration: Duration

        /// How many times the rate counts as a flood.
        public static let floodFactor = 10.0

        public init(eventsPerSecond: Double? = 100, burst: Int = 200, floodDuration: Duration = .seconds(10)) {
            self.eventsPerSecond = eventsPerSecond
            self.burst = max(1, burst)
            self.floodDuration = floodDuration
        }
    }

    enum Verdict: Equatable {
        case admit
        /// Past the budget; `startsStreak` for the first refusal after an admitted event (what is worth a log line).
        case refuse(startsStreak: Bool)
        /// Past the budget, and flooding for the policy's whole flood duration.
        case disconnect
    }

    private static let second: UInt64 = 1_000_000_000

    private var bucket: TokenBucket
    private let floodThreshold: Int
    private let floodNanoseconds: UInt64
    /// The current one-second window of arrivals (admitted or not), for the flood watch.
    private var windowStart: UInt64
    private var windowCount = 0
    /// The start of the run of consecutive flooded windows, if the last window was one.
    private var floodingSince: UInt64?
    private var refusing = false

    /// nil when the policy sets no limit, so that unlimited sockets carry no state.
    init?(policy: Policy, now: UInt64) {
        guard let rate = policy.eventsPerSecond, rate > 0 else { return nil }
        self.bucket = TokenBucket(rate: rate, capacity: Double(policy.burst), now: now)
        self.floodThreshold = max(1, Int((rate * Policy.floodFactor).rounded(.up)))
        let (seconds, attoseconds) = policy.floodDuration.components
        self.floodNanoseconds = UInt64(max(0, seconds)) * Self.second + UInt64(max(0, attoseconds) / 1_000_000_000)
        self.windowStart = now
    }

    /// One event arrived at `now` (monotonic nanoseconds).
    mutating func arrival(at now: UInt64) -> Verdict {
        watchFlood(at: now)
        if bucket.take(at: now) {
            refusing = false
            return .admit
        }
        if let floodingSince, now &- floodingSince >= floodNanoseconds { return .disconnect }
        defer { refusing = true }
        return .refuse(startsStreak: !refusing)
    }

    private mutating func watchFlood(at now: UInt64) {
        let sinceWindow = now &- windowStart
        if sinceWindow >= Self.second {
            // A window is flooded when it saw the threshold; a gap of a whole quiet window ends the run.
            let flooded = windowCount >= floodThreshold && sinceWindow < 2 * Self.second
            floodingSince = flooded ? (floodingSince ?? windowStart) : nil
            windowStart = flooded ? windowStart + Self.second : now
            windowCount = 0
        }
        windowCount += 1
    }
}
