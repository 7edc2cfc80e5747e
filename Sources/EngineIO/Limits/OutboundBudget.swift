import CoreMetrics
import Synchronization

/// The bytes waiting for clients that do not take them yet, across every session of a server — a WebSocket's frames
/// held while its connection is not writable, a polling session's packets between its polls — against
/// ``EngineIOOptions/maxOutboundTotalBytes``. Each session has its own bound (``EngineIOOptions/maxOutboundBufferBytes``);
/// this one keeps many slow clients together from growing the process past what it was given: once the total is past
/// it, a session whose waiting output grows is closed as one past its own bound is.
///
/// Only output that waits is counted: a WebSocket that takes its frames at once never touches the total.
package final class OutboundBudget: Sendable {
    /// 0: no bound (the total is still counted).
    package let limit: Int
    private let waiting = Atomic<Int>(0)
    private static let gauge = Gauge(label: "gatewayd_outbound_waiting_bytes")

    package init(limit: Int) {
        self.limit = limit
    }

    /// Counts `delta` more bytes waiting (negative: they were sent or dropped); whether the total is now past the
    /// limit.
    func add(_ delta: Int) -> Bool {
        let total = waiting.wrappingAdd(delta, ordering: .relaxed).newValue
        Self.gauge.record(total)
        return limit > 0 && total > limit
    }

    /// The bytes waiting now.
    package var total: Int { waiting.load(ordering: .relaxed) }
}
