import CoreMetrics
import Logging
import Persistence
import SocketIO
import Synchronization

/// The cluster adapters' transport on the database's message bus: every namespace's messages on the bus's `.nodes`
/// channel, responses on the requester's `.node(id)` channel; what arrives goes to its namespace's adapter.
///
/// The bus keeps `ClusterTransport`'s contract (no self-delivery, order per sender, at most once, large and binary
/// messages through its own means); this only translates, routes by namespace, and counts the messages each way
/// (`gatewayd_cluster_messages_total{direction}`, by type).
final class BusClusterTransport: ClusterTransport {
    typealias Receiver = @Sendable (ClusterMessage) -> Void

    private let bus: any MessageBus
    private let logger: Logger
    private let receivers = Mutex<[String: Receiver]>([:])
    /// By direction and message type: made on first use.
    private let counters = Mutex<[String: Counter]>([:])

    /// Listens on this node's channels before returning, so no namespace's first messages are missed.
    init(bus: any MessageBus, node: String, logger: Logger) async throws {
        self.bus = bus
        self.logger = logger
        try await bus.subscribe(.nodes) { [self] in receive($0) }
        try await bus.subscribe(.node(node)) { [self] in receive($0) }
    }

    func subscribe(namespace: String, receiver: @escaping Receiver) {
        receivers.withLock { $0[namespace] = receiver }
    }

    func unsubscribe(namespace: String) {
        _ = receivers.withLock { $0.removeValue(forKey: namespace) }
    }

    func publish(_ message: ClusterMessage) {
        count(message, "out")
        bus.publish(Self.busMessage(message), on: .nodes)
    }

    func publish(_ message: ClusterMessage, to node: String) {
        count(message, "out")
        bus.publish(Self.busMessage(message), on: .node(node))
    }

    private func count(_ message: ClusterMessage, _ direction: String) {
        let type = message.body.type.description
        counters.withLock { counters in
            if let counter = counters[direction + type] { return counter }
            let counter = Counter(label: "gatewayd_cluster_messages_total", dimensions: [("direction", direction), ("type", type)])
            counters[direction + type] = counter
            return counter
        }.increment()
    }

    private static func busMessage(_ message: ClusterMessage) -> BusMessage {
        let encoded = message.encoded()
        return BusMessage(text: encoded.text, attachments: encoded.attachments)
    }

    /// One message at a time, in the bus's order. The receiver is called outside the lock (it may publish, or close
    /// its namespace): one message may still reach an adapter as it unsubscribes, which a closed adapter ignores.
    private func receive(_ message: BusMessage) {
        let decoded: ClusterMessage
        do {
            decoded = try ClusterMessage(decoding: EncodedClusterMessage(text: message.text, attachments: message.attachments))
        } catch {
            logger.warning("cluster message dropped: it does not decode", metadata: ["error": "\(error)"])
            return
        }
        count(decoded, "in")
        receivers.withLock { $0[decoded.nsp] }?(decoded)
    }
}
