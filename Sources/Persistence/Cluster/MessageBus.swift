/// Messages between the nodes of a cluster, on named channels, through their shared database: what carries the
/// cluster adapter's traffic.
///
/// The contract (the one `ClusterTransport` asks of whoever carries it):
/// - **No self-delivery.** A bus never hands its own messages to its subscribers.
/// - **Order per sender.** One bus's messages reach each other bus in the order they were published, whatever their
///   channels, and receivers are called one message at a time.
/// - **At most once.** A message may be lost (the connection dropped, the server refused it), which is logged; none
///   is delivered twice.
/// - **No waiting.** ``publish(_:on:)`` queues the message and returns at once, on any thread.
public protocol MessageBus: Sendable {
    /// Hands every message another node publishes on `channel` once this returns to `receive`, replacing any
    /// receiver the channel had.
    func subscribe(_ channel: BusChannel, receive: @escaping @Sendable (BusMessage) -> Void) async throws
    /// Stops handing `channel`'s messages over: none is once this returns.
    func unsubscribe(_ channel: BusChannel)
    /// Sends `message` to the subscribers of `channel` on every other node.
    func publish(_ message: BusMessage, on channel: BusChannel)
}

/// A bus channel: every node's (``nodes``), or one node's (``node(_:)``), which only that node subscribes to.
public enum BusChannel: Hashable, Sendable {
    case nodes
    case node(String)
}
