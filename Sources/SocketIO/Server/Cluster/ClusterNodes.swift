import NIOCore

/// The other nodes serving a namespace, each with when it was last heard from: whom a request waits for, and whom
/// silence drops.
struct ClusterNodes {
    private var lastHeard: [String: NIODeadline] = [:]

    var ids: Set<String> { Set(lastHeard.keys) }

    /// Returns whether `node` was unknown.
    mutating func heard(from node: String, at time: NIODeadline) -> Bool {
        lastHeard.updateValue(time, forKey: node) == nil
    }

    /// Returns whether `node` was known.
    mutating func remove(_ node: String) -> Bool {
        lastHeard.removeValue(forKey: node) != nil
    }

    /// Removes and returns the nodes last heard from before `deadline`.
    mutating func removeSilent(before deadline: NIODeadline) -> [String] {
        let silent = lastHeard.filter { $0.value < deadline }.map(\.key)
        for node in silent { lastHeard.removeValue(forKey: node) }
        return silent
    }
}
