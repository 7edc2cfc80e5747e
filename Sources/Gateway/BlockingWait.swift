import Dispatch
import Synchronization

/// An `async` answer for a synchronous caller: a Lua worker thread in a host call (`SOCKET.roomSize` in a cluster),
/// which may block — never an event-loop thread, which the answer may need.
enum BlockingWait {
    /// Runs `operation` on a task and blocks until it returns, or for at most `limit`: nil then.
    static func result<T: Sendable>(within limit: Duration, of operation: @escaping @Sendable () async -> T) -> T? {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let value = await operation()
            result.withLock { $0 = value }
            done.signal()
        }
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        guard done.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return nil }
        return result.withLock { $0 }
    }
}
