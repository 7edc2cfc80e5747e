import Synchronization
import Testing

@testable import Persistence

/// Nodes on one test database, each with a store (a pool of its own, as separate processes have) and a backplane:
/// closed, and the database dropped, when the test ends.
enum BackplaneHarness {
    struct Node {
        let url: String
        let store: any ConfigStore
        let backplane: any Backplane
    }

    static func withNodes<T>(
        _ ids: [String], timing: (String) -> ClusterTiming = { _ in ClusterTiming() },
        _ body: ([Node]) async throws -> T
    ) async throws -> T {
        try await Backend.postgres.withDatabase { database in
            var nodes: [Node] = []
            do {
                for id in ids {
                    let store = try database.open()
                    guard let backplane = try await Stores.openBackplane(for: store, node: id, timing: timing(id)) else {
                        preconditionFailure("PostgreSQL has a backplane")
                    }
                    nodes.append(Node(url: database.location, store: store, backplane: backplane))
                }
                let result = try await body(nodes)
                for node in nodes { await node.backplane.close() }
                return result
            } catch {
                for node in nodes { await node.backplane.close() }
                throw error
            }
        }
    }

    /// Waits until `condition` holds, checking every 20 ms, for at most `limit`: a bound on a hang, not a verdict
    /// on how fast anything is.
    static func eventually(within limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }
}

/// What a subscriber received, in order.
final class Inbox: Sendable {
    private let received = Mutex<[BusMessage]>([])

    func add(_ message: BusMessage) { received.withLock { $0.append(message) } }

    var messages: [BusMessage] { received.withLock { $0 } }

    /// The first `count` messages, once that many arrived (nil if they do not within the hang bound).
    func first(_ count: Int) async throws -> [BusMessage]? {
        guard try await BackplaneHarness.eventually({ messages.count >= count }) else { return nil }
        return Array(messages.prefix(count))
    }
}
