import Synchronization

/// A ``ClusterSessionStore``'s writes to its shared table, one lane per session: a session's writes land in the order
/// they were asked for, and one asked for while another is under way replaces any still waiting — each writes the
/// session's whole state, so the latest is all that matters, and a burst of joins costs one write or two.
final class SessionWrites: Sendable {
    struct Key: Hashable, Sendable {
        var namespace: String
        var pid: String
    }

    typealias Write = @Sendable () async -> Void

    private struct Lane {
        var running: Task<Void, Never>
        var waiting: Write?
    }

    private let lanes = Mutex<[Key: Lane]>([:])

    func enqueue(_ write: @escaping Write, for key: Key) {
        lanes.withLock { lanes in
            if lanes[key] != nil {
                lanes[key]?.waiting = write
            } else {
                lanes[key] = Lane(running: Task { await self.drain(key, first: write) })
            }
        }
    }

    /// Waits until the writes of `key` asked for so far have landed.
    func settled(_ key: Key) async {
        while let running = lanes.withLock({ $0[key]?.running }) { await running.value }
    }

    /// Waits until every write asked for so far has landed (not for those asked for meanwhile in new lanes, so that
    /// a busy node's flush ends).
    func settled() async {
        for running in lanes.withLock({ $0.values.map(\.running) }) { await running.value }
    }

    private func drain(_ key: Key, first: Write) async {
        var write = first
        while true {
            await write()
            let next = lanes.withLock { lanes -> Write? in
                guard let next = lanes[key]?.waiting else {
                    lanes[key] = nil
                    return nil
                }
                lanes[key]?.waiting = nil
                return next
            }
            guard let next else { return }
            write = next
        }
    }
}
