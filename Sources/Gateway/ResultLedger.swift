import DequeModule
import JSONCore
import Synchronization

/// The `ws:result` / `ws:error` payloads of signed-in users' queued events, kept for a while after they were sent, so
/// that a client that reconnects without recovering its session (socket.io 2.x clients such as Fliplet's cannot) asks
/// for those it did not get: `ws:results {requestIds}`.
///
/// Kept per gateway and user for ``retention``, at most ``maxPerUser`` each (the oldest go first); expired entries are
/// dropped as new ones come, oldest first, so a user who never comes back holds nothing past the retention.
final class ResultLedger: Sendable {
    private struct Entry {
        var requestId: String
        var payload: JSONValue
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var byUser: [String: Deque<Entry>] = [:]
        /// Every entry's user and expiry, oldest first: retention is uniform, so this is expiry order.
        var order: Deque<(user: String, expires: ContinuousClock.Instant)> = []
    }

    static let maxPerUser = 1_000
    /// The most request ids one `ws:results` may ask for.
    static let maxRequested = 1_000

    let retention: Duration
    private let state = Mutex(State())

    init(retention: Duration) {
        self.retention = retention
    }

    /// Keeps the payload of `requestId`, sent to `userId` on the gateway at `path`.
    func record(_ payload: JSONValue, requestId: String, userId: String, path: String) {
        guard retention > .zero else { return }
        let key = Self.key(path, userId), now = ContinuousClock.now
        state.withLock { state in
            Self.expire(&state, now: now)
            var entries = state.byUser[key, default: []]
            entries.append(Entry(requestId: requestId, payload: payload, expires: now + retention))
            if entries.count > Self.maxPerUser { entries.removeFirst() }
            state.byUser[key] = entries
            state.order.append((key, now + retention))
        }
    }

    /// The payloads still held among `requestIds` for `userId` on `path`, in the order asked, and the ids not held.
    func results(for requestIds: [String], userId: String, path: String) -> (found: [JSONValue], missing: [String]) {
        let now = ContinuousClock.now
        let held: [String: JSONValue] = state.withLock { state in
            Self.expire(&state, now: now)
            return Dictionary((state.byUser[Self.key(path, userId)] ?? []).map { ($0.requestId, $0.payload) }) { _, last in last }
        }
        var found: [JSONValue] = [], missing: [String] = []
        for id in requestIds {
            if let payload = held[id] { found.append(payload) } else { missing.append(id) }
        }
        return (found, missing)
    }

    private static func key(_ path: String, _ userId: String) -> String { path + "\u{0}" + userId }

    private static func expire(_ state: inout State, now: ContinuousClock.Instant) {
        while let first = state.order.first, first.expires <= now {
            state.order.removeFirst()
            guard var entries = state.byUser[first.user] else { continue }
            while let oldest = entries.first, oldest.expires <= now { entries.removeFirst() }
            state.byUser[first.user] = entries.isEmpty ? nil : entries
        }
    }
}
