import NIOCore
import Synchronization

/// Flushes, once per turn of one event loop, the connections written to on it during that turn; and writes, in one
/// task on the loop, the frames other threads queued for its connections meanwhile.
///
/// A WebSocket written to on its own loop writes at once and leaves the flush to this: a broadcast to thousands of
/// connections, or a burst of replies to one, costs one task on the loop, not one per connection. Frames sent from
/// another thread (a worker's ack, a broadcast from the loop of a session that upgraded onto a WebSocket of another
/// loop) wait in their transport, and the transports with frames waiting are handed over here: the first one since
/// the loop last took them schedules the task that writes them all, so a broadcast from another loop costs one task
/// too, not one closure and one queue insertion per recipient.
final class ChannelFlusher: Sendable {
    private struct State {
        var waiting: [WebSocketTransport] = []
        var scheduled = false
    }

    private struct Queued {
        var transports: [WebSocketTransport] = []
        /// A task to write them is on the loop's queue.
        var scheduled = false
    }

    private let eventLoop: any EventLoop
    private let state: NIOLoopBoundBox<State>
    private let queued = Mutex(Queued())

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.state = NIOLoopBoundBox(State(), eventLoop: eventLoop)
    }

    /// On the loop: `transport` is flushed after what the loop is doing now (once, however often it asks).
    func flushSoon(_ transport: WebSocketTransport) {
        state.value.waiting.append(transport)
        guard !state.value.scheduled else { return }
        state.value.scheduled = true
        eventLoop.execute { self.flushAll() }
    }

    private func flushAll() {
        let waiting = state.value.waiting
        state.value.waiting.removeAll(keepingCapacity: true)
        state.value.scheduled = false
        for transport in waiting { transport.flushWrittenInPlace() }
    }

    /// From any thread: `transport` has queued frames (or a close) to write on the loop; it asks once until they are
    /// written. The task is queued at the first ask since the last one ran, so anything a caller schedules on the loop
    /// after asking runs after the frames are written.
    func writeQueued(of transport: WebSocketTransport) {
        let schedules = queued.withLock { queued in
            queued.transports.append(transport)
            defer { queued.scheduled = true }
            return !queued.scheduled
        }
        if schedules { eventLoop.execute { self.writeAllQueued() } }
    }

    private func writeAllQueued() {
        let transports = queued.withLock { queued in
            queued.scheduled = false
            defer { queued.transports = [] }
            return queued.transports
        }
        for transport in transports { transport.writeQueued() }
    }
}
