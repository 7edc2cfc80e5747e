import Testing
@testable import EngineIO

/// The per-address limits on a clock the test moves: a session rate whose refusals start an episode once, buckets
/// forgotten when full again, and a connection cap that frees a place per close.
@Suite struct AddressLimitsTests {
    static let second: UInt64 = 1_000_000_000

    @Test func sessionsPastTheRateAreRefusedOncePerEpisodeInTheLog() {
        let rate = AddressConnectRate(rate: 2)
        let t = 10 * Self.second
        #expect(rate.admit("a", now: t) == .admitted)
        #expect(rate.admit("a", now: t) == .admitted)
        #expect(rate.admit("a", now: t) == .refused(startsEpisode: true))
        #expect(rate.admit("a", now: t) == .refused(startsEpisode: false))
        // Another address has its own bucket.
        #expect(rate.admit("b", now: t) == .admitted)
        // Half a second at 2 a second is one more.
        #expect(rate.admit("a", now: t + Self.second / 2) == .admitted)
        #expect(rate.admit("a", now: t + Self.second / 2) == .refused(startsEpisode: true))
    }

    @Test func fullBucketsAreForgottenPastThePruneThreshold() {
        let rate = AddressConnectRate(rate: 1)
        for n in 0..<AddressConnectRate.pruneThreshold {
            #expect(rate.admit("10.0.\(n / 256).\(n % 256)", now: Self.second) == .admitted)
        }
        #expect(rate.trackedAddresses == AddressConnectRate.pruneThreshold)
        // A second later every bucket is full again: the next admission prunes them all but its own.
        #expect(rate.admit("192.0.2.1", now: 2 * Self.second) == .admitted)
        #expect(rate.trackedAddresses == 1)
    }

    @Test func theConnectionCapFreesAPlacePerClose() {
        let cap = AddressConnectionCap(maximum: 2)
        #expect(cap.opened("a") == .counted)
        #expect(cap.opened("a") == .counted)
        #expect(cap.opened("a") == .refused(startsEpisode: true))
        #expect(cap.opened("a") == .refused(startsEpisode: false))
        #expect(cap.opened("b") == .counted)
        cap.closed("a")
        #expect(cap.opened("a") == .counted)
        #expect(cap.opened("a") == .refused(startsEpisode: true))
    }
}
