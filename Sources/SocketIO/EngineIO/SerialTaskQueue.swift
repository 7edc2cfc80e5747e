import DequeModule
import Synchronization

/// Runs async jobs one at a time, in the order they were added, on a Task that exists only while jobs wait.
///
/// The bridge from a session's synchronous delegate to asynchronous application code: arrival order is kept, and an
/// idle connection holds no task.
final class SerialTaskQueue: Sendable {
    typealias Job = @Sendable () async -> Void

    private struct State {
        var jobs = Deque<Job>()
        var isDraining = false
    }

    private let state = Mutex(State())

    init() {}

    func enqueue(_ job: @escaping Job) {
        let startsDrain = state.withLock { state in
            state.jobs.append(job)
            defer { state.isDraining = true }
            return !state.isDraining
        }
        if startsDrain { Task { await self.drain() } }
    }

    private func drain() async {
        while let job = nextJob() { await job() }
    }

    private func nextJob() -> Job? {
        state.withLock { state in
            guard let job = state.jobs.popFirst() else {
                state.isDraining = false
                return nil
            }
            return job
        }
    }
}
