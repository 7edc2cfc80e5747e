import NIOCore

/// Flushes, once per turn of one event loop, the connections written to on it during that turn.
///
/// A WebSocket written to on its own loop writes at once and leaves the flush to this: a broadcast to thousands of
/// connections, or a burst of replies to one, costs one task on the loop, not one per connection. Confined to its
/// loop.
final class ChannelFlusher: Sendable {
    private struct State {
        var waiting: [WebSocketTransport] = []
        var scheduled = false
    }

    private let eventLoop: any EventLoop
    private let state: NIOLoopBoundBox<State>

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
}
