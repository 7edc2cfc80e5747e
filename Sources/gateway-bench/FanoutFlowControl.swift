import NIOCore
import Synchronization

/// Fan-out flow control, shared by every shard: publishers stop while the server owes more than `inFlight`
/// messages per subscriber (counted over all shards), and a held publisher is resumed on its own event loop once
/// deliveries on any shard catch up.
///
/// Atomics rather than a lock, so a delivery costs an add plus one load per shard. A claim is a check then an add,
/// so publishers claiming at the same instant on different loops can pass the limit by one message each: it bounds
/// the load, it is not an invariant.
final class FanoutFlowControl: Sendable {
    private let subscribers: UInt64
    private let allowance: UInt64
    private let published = Atomic<UInt64>(0)
    private let delivered = Atomic<UInt64>(0)
    private let holds: [PublisherHold]

    /// - Parameters:
    ///   - subscribers: the subscribers that joined the room, over all shards.
    ///   - loops: the shards' event loops, in shard order.
    init(subscribers: Int, inFlight: Int, loops: [EventLoop]) {
        self.subscribers = UInt64(max(subscribers, 1))
        self.allowance = UInt64(max(inFlight, 1)) * self.subscribers
        self.holds = loops.map(PublisherHold.init)
    }

    /// Whether `publisher`, on shard `shard`, may send now; if not, it is resumed once deliveries catch up.
    /// Called on that shard's loop.
    func mayPublish(_ publisher: BenchConnection, shard: Int) -> Bool {
        if !owesTooMuch {
            published.add(1, ordering: .relaxed)
            return true
        }
        let hold = holds[shard]
        hold.publishers.append(publisher)
        hold.isHolding.store(true, ordering: .sequentiallyConsistent)
        // A delivery counted between the check above and the store saw no held publisher here: look again.
        if !owesTooMuch { resume(hold) }
        return false
    }

    /// Counts one delivery (on any shard's loop) and resumes the shards' held publishers.
    func recordDelivery() {
        delivered.add(1, ordering: .sequentiallyConsistent)
        for hold in holds where hold.isHolding.load(ordering: .sequentiallyConsistent) { resume(hold) }
    }

    private var owesTooMuch: Bool {
        published.load(ordering: .relaxed) * subscribers > delivered.load(ordering: .sequentiallyConsistent) + allowance
    }

    /// Resumes the shard's held publishers on its loop, once however many loops see it holding at the same time.
    private func resume(_ hold: PublisherHold) {
        guard hold.isHolding.exchange(false, ordering: .sequentiallyConsistent) else { return }
        hold.eventLoop.execute {
            let held = hold.publishers
            hold.publishers.removeAll()
            held.forEach { $0.sendLoadEvent() }
        }
    }
}

/// The publishers one shard has put aside. The list is confined to the shard's loop, hence `@unchecked Sendable`;
/// `isHolding` is how other loops learn there is something to resume.
private final class PublisherHold: @unchecked Sendable {
    let eventLoop: EventLoop
    let isHolding = Atomic<Bool>(false)
    var publishers: [BenchConnection] = []

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }
}
