import Testing
@testable import Gateway

/// The event budget on a clock the test moves: the burst, the refill, the first refusal of a streak, and the flood
/// watch that disconnects only a socket at ten times its rate for the whole flood duration.
@Suite struct EventRateLimitTests {
    static let ms: UInt64 = 1_000_000
    static let second: UInt64 = 1_000_000_000
    let start: UInt64 = 5 * second

    @Test func noRateIsNoLimit() {
        #expect(EventRateLimit(policy: .init(eventsPerSecond: nil), now: start) == nil)
        #expect(EventRateLimit(policy: .init(eventsPerSecond: 0), now: start) == nil)
    }

    @Test func aBurstThenTheRate() throws {
        var limit = try #require(EventRateLimit(policy: .init(eventsPerSecond: 10, burst: 3), now: start))
        #expect((0..<3).map { _ in limit.arrival(at: start) } == [.admit, .admit, .admit])
        #expect(limit.arrival(at: start) == .refuse(startsStreak: true))
        #expect(limit.arrival(at: start + 50 * Self.ms) == .refuse(startsStreak: false))
        // 100 ms at 10/s is one event.
        #expect(limit.arrival(at: start + 100 * Self.ms) == .admit)
        #expect(limit.arrival(at: start + 101 * Self.ms) == .refuse(startsStreak: true))
        // A long quiet refills the burst, and no more.
        let later = start + 60 * Self.second
        #expect((0..<4).map { _ in limit.arrival(at: later) } == [.admit, .admit, .admit, .refuse(startsStreak: true)])
    }

    @Test func aFractionalRate() throws {
        var limit = try #require(EventRateLimit(policy: .init(eventsPerSecond: 0.5, burst: 1), now: start))
        #expect(limit.arrival(at: start) == .admit)
        #expect(limit.arrival(at: start + Self.second) == .refuse(startsStreak: true))
        #expect(limit.arrival(at: start + 2 * Self.second) == .admit)
    }

    /// Sends `perSecond` events in each of `seconds` seconds from `from`; the verdicts.
    func send(_ limit: inout EventRateLimit, perSecond: Int, seconds: Int, from: UInt64) -> [EventRateLimit.Verdict] {
        var verdicts: [EventRateLimit.Verdict] = []
        for second in 0..<seconds {
            for index in 0..<perSecond {
                verdicts.append(limit.arrival(at: from + UInt64(second) * Self.second + UInt64(index) * Self.second / UInt64(perSecond)))
            }
        }
        return verdicts
    }

    @Test func tenTimesTheRateForTheFloodDurationDisconnects() throws {
        var limit = try #require(EventRateLimit(policy: .init(eventsPerSecond: 2, burst: 2, floodDuration: .seconds(3)), now: start))
        let verdicts = send(&limit, perSecond: 20, seconds: 4, from: start)
        let first = try #require(verdicts.firstIndex(of: .disconnect))
        // Three whole flooded seconds have passed when the disconnect comes, not before.
        #expect(first >= 60)
        #expect(first < 62)
    }

    @Test func justUnderTenTimesIsRefusedButNotDisconnected() throws {
        var limit = try #require(EventRateLimit(policy: .init(eventsPerSecond: 2, burst: 2, floodDuration: .seconds(3)), now: start))
        let verdicts = send(&limit, perSecond: 19, seconds: 10, from: start)
        #expect(!verdicts.contains(.disconnect))
        #expect(verdicts.contains(.refuse(startsStreak: false)))
    }

    @Test func aPauseEndsTheFlood() throws {
        var limit = try #require(EventRateLimit(policy: .init(eventsPerSecond: 2, burst: 2, floodDuration: .seconds(3)), now: start))
        var verdicts = send(&limit, perSecond: 20, seconds: 2, from: start)
        // Two quiet seconds, then two more flooded ones: never three in a row.
        verdicts += send(&limit, perSecond: 20, seconds: 2, from: start + 4 * Self.second)
        #expect(!verdicts.contains(.disconnect))
        verdicts = send(&limit, perSecond: 20, seconds: 3, from: start + 6 * Self.second)
        #expect(verdicts.contains(.disconnect))
    }
}
