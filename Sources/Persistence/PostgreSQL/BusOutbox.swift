/// The messages a ``PostgresMessageBus`` has yet to send, in publishing order, and whether a thread is sending them:
/// the first publisher to find nobody sending starts, and the sender stops when it finds the outbox empty, waking
/// whoever waits for everything to be sent.
struct BusOutbox {
    struct Letter {
        var channel: String
        var message: BusMessage
        var sequence: UInt64
    }

    enum Next {
        /// Send these, then ask again.
        case send([Letter])
        /// Nothing left: stop sending, and resume these waiters.
        case stop(sent: [CheckedContinuation<Void, Never>])
    }

    private var letters: [Letter] = []
    private var sending = false
    private var sequence: UInt64 = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Queues a message; true when the caller must start sending.
    mutating func add(_ message: BusMessage, on channel: String) -> Bool {
        sequence &+= 1
        letters.append(Letter(channel: channel, message: message, sequence: sequence))
        defer { sending = true }
        return !sending
    }

    /// What the sender does next: a batch of at most `limit` messages, or stop.
    mutating func next(_ limit: Int) -> Next {
        precondition(sending, "only the sender takes letters")
        guard !letters.isEmpty else {
            sending = false
            defer { waiters = [] }
            return .stop(sent: waiters)
        }
        let batch = Array(letters.prefix(limit))
        letters.removeFirst(batch.count)
        return .send(batch)
    }

    /// Resumes `waiter` once everything queued now is sent; false when that is already so (the caller resumes it).
    mutating func waitUntilSent(_ waiter: CheckedContinuation<Void, Never>) -> Bool {
        guard sending else { return false }
        waiters.append(waiter)
        return true
    }
}
