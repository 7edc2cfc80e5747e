/// A token bucket on a monotonic clock in nanoseconds: `capacity` tokens at most, refilled at `rate` a second. What
/// every rate limit here is made of (new sessions per address, events per socket).
public struct TokenBucket: Sendable {
    public let rate: Double
    public let capacity: Double
    private var tokens: Double
    private var refilledAt: UInt64

    /// Starts full.
    public init(rate: Double, capacity: Double, now: UInt64) {
        precondition(rate > 0 && capacity >= 1, "a token bucket needs a positive rate and room for one token")
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.refilledAt = now
    }

    /// Takes a token if there is one.
    public mutating func take(at now: UInt64) -> Bool {
        if now > refilledAt {
            tokens = min(capacity, tokens + Double(now - refilledAt) / 1e9 * rate)
            refilledAt = now
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether it would be full at `now`: a bucket that is, is no different from a new one and need not be kept.
    public func isFull(at now: UInt64) -> Bool {
        tokens + Double(now &- refilledAt) / 1e9 * rate >= capacity
    }
}
