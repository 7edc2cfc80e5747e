/// What carries ``ClusterMessage``s between the nodes of a cluster for their ``ClusterAdapter``s: one per node, shared
/// by the adapters of all its namespaces. SocketIO knows none: gatewayd's is PostgreSQL's `NOTIFY`, the tests' an
/// in-process bus.
///
/// The contract the adapter relies on:
/// - **Addressing.** ``publish(_:)`` reaches the adapter subscribed for `message.nsp` on every other node;
///   ``publish(_:to:)`` reaches the one on `node` (a transport may deliver a response to other nodes too: they ignore
///   answers to requests they did not make).
/// - **No self-delivery.** A node never hears its own messages; a transport that does (one channel heard by every
///   node) drops those whose `uid` is its node's. The adapter ignores them too.
/// - **Order per sender.** The messages of one node reach each other node in the order they were published, and
///   the receiver of a namespace is called for one message at a time. Messages of different nodes may interleave.
/// - **At most once.** A message may be lost (the connection dropped, the server refused it), and the transport logs
///   it; it is never delivered twice. The adapter copes: requests time out, nodes are dropped when their heartbeats
///   stop, and heartbeats resume once the transport is back.
/// - **Size and binary are the transport's business.** ``ClusterMessage/encoded()`` gives JSON text and binary
///   attachments; the transport decides how a large or binary message travels, and hands the receiving adapter the
///   message as it was published (``ClusterMessage/init(decoding:)``).
/// - **No waiting.** ``publish(_:)`` returns at once: the transport queues the message (a broadcast publishes from a
///   handler's thread). Delivery happens on any thread, possibly before `publish` returns; the adapter holds no lock
///   while it publishes.
public protocol ClusterTransport: AnyObject, Sendable {
    /// From now on, hands every message for `namespace` from another node to `receiver`.
    func subscribe(namespace: String, receiver: @escaping @Sendable (ClusterMessage) -> Void)
    /// Stops handing messages for `namespace` to its receiver: none is handed over once this returns.
    func unsubscribe(namespace: String)
    /// Sends `message` to every other node.
    func publish(_ message: ClusterMessage)
    /// Sends `message` (a response) to `node`.
    func publish(_ message: ClusterMessage, to node: String)
}
