import Synchronization

@testable import SocketIO

/// The nodes of a test cluster in one process: what a node publishes crosses its wire form (encoded, decoded) to the
/// other nodes' receivers, one message at a time in publishing order (``ClusterTransport``'s contract), on the thread
/// of whoever published first. Rules can lose messages on the way; gates tell a test when messages have arrived.
final class InProcessBus: Sendable {
    fileprivate typealias Receiver = @Sendable (ClusterMessage) -> Void

    fileprivate struct Subscriber: Hashable {
        var node: String
        var namespace: String
    }

    private struct State {
        var receivers: [Subscriber: Receiver] = [:]
        var queue: [(message: ClusterMessage, target: String?)] = []
        var delivering = false
        var losses: [@Sendable (ClusterMessage) -> Bool] = []
        /// Every message delivered or lost so far.
        var handled: [ClusterMessage] = []
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        var sightWaiters: [(matches: @Sendable (ClusterMessage) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    func transport(for node: String) -> any ClusterTransport { Transport(node: node, bus: self) }

    /// Messages that `matches` from now on are lost, as a transport may lose them.
    func lose(where matches: @escaping @Sendable (ClusterMessage) -> Bool) {
        state.withLock { $0.losses.append(matches) }
    }

    /// Every message delivered or lost so far.
    var handled: [ClusterMessage] { state.withLock { $0.handled } }

    /// Returns once every message published so far has been delivered or lost.
    func idle() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                guard state.delivering || !state.queue.isEmpty else { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Returns once a message that `matches` has been delivered or lost.
    func sighted(_ matches: @escaping @Sendable (ClusterMessage) -> Bool) async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                guard !state.handled.contains(where: matches) else { return true }
                state.sightWaiters.append((matches, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    fileprivate func subscribe(_ subscriber: Subscriber, _ receiver: Receiver?) {
        state.withLock { $0.receivers[subscriber] = receiver }
    }

    /// Queues the message; the first publisher delivers until the queue is empty, later ones (on any thread, or from
    /// a receiver) only queue.
    fileprivate func publish(_ message: ClusterMessage, to target: String?) {
        let deliverer = state.withLock { state in
            state.queue.append((message, target))
            guard !state.delivering else { return false }
            state.delivering = true
            return true
        }
        guard deliverer else { return }
        while let (message, receivers) = next() {
            // Through the wire form, as a real transport would: what arrives is what was sent.
            let received = try! ClusterMessage(decoding: message.encoded())
            precondition(received == message, "\(message.type) changed on the wire")
            for receiver in receivers { receiver(received) }
            let sighted = state.withLock { state in
                state.handled.append(message)
                let (matching, waiting) = state.sightWaiters.partitioned { $0.matches(message) }
                state.sightWaiters = waiting
                return matching
            }
            for waiter in sighted { waiter.continuation.resume() }
        }
    }

    /// The next message and its receivers (none when it is lost), or nil once the queue is empty.
    private func next() -> (ClusterMessage, [Receiver])? {
        let (next, idle): ((ClusterMessage, [Receiver])?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            guard !state.queue.isEmpty else {
                state.delivering = false
                defer { state.idleWaiters = [] }
                return (nil, state.idleWaiters)
            }
            let (message, target) = state.queue.removeFirst()
            if state.losses.contains(where: { $0(message) }) { return ((message, []), []) }
            let receivers = state.receivers.filter { subscriber, _ in
                subscriber.namespace == message.nsp && subscriber.node != message.uid && (target.map { $0 == subscriber.node } ?? true)
            }
            return ((message, Array(receivers.values)), [])
        }
        for waiter in idle { waiter.resume() }
        return next
    }

    /// One node's end of the bus.
    private final class Transport: ClusterTransport {
        let node: String
        let bus: InProcessBus

        init(node: String, bus: InProcessBus) {
            self.node = node
            self.bus = bus
        }

        func subscribe(namespace: String, receiver: @escaping @Sendable (ClusterMessage) -> Void) {
            bus.subscribe(Subscriber(node: node, namespace: namespace), receiver)
        }

        func unsubscribe(namespace: String) {
            bus.subscribe(Subscriber(node: node, namespace: namespace), nil)
        }

        func publish(_ message: ClusterMessage) { bus.publish(message, to: nil) }

        func publish(_ message: ClusterMessage, to node: String) { bus.publish(message, to: node) }
    }
}

extension Array {
    /// The elements that satisfy `belongs`, and the others, each in order.
    fileprivate func partitioned(_ belongs: (Element) -> Bool) -> (matching: [Element], others: [Element]) {
        var matching: [Element] = []
        var others: [Element] = []
        for element in self {
            if belongs(element) { matching.append(element) } else { others.append(element) }
        }
        return (matching, others)
    }
}
