import Synchronization

/// Open connections per client address, so that one address cannot take the descriptors every client shares
/// (``HTTPLimits/maxConnections``). Counts TCP connections, whatever they carry: polling, WebSocket, the admin API.
final class AddressConnectionCap: Sendable {
    let maximum: Int
    /// Open connections by address, and the addresses refused since their last close (each such episode is logged once).
    private let state = Mutex<(open: [String: Int], refusing: Set<String>)>(([:], []))

    enum Outcome: Equatable {
        case counted
        /// `startsEpisode`: the first refusal since a connection of the address closed.
        case refused(startsEpisode: Bool)
    }

    init(maximum: Int) {
        self.maximum = maximum
    }

    /// Counts a connection from `address` unless it already has `maximum` open; false: refuse it.
    func opened(_ address: String) -> Outcome {
        state.withLock { state in
            let count = state.open[address, default: 0]
            guard count < maximum else { return .refused(startsEpisode: state.refusing.insert(address).inserted) }
            state.open[address] = count + 1
            return .counted
        }
    }

    /// A connection `opened` counted has closed.
    func closed(_ address: String) {
        state.withLock { state in
            guard let count = state.open[address] else { preconditionFailure("a connection closed that was never counted") }
            state.open[address] = count > 1 ? count - 1 : nil
            state.refusing.remove(address)
        }
    }
}
