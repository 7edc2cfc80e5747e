import CLuaShim
import Dispatch
import Foundation
import Synchronization

/// A `clua_sandbox` pointer the watchdog may poke from its own thread. Only the thread-safe deadline
/// functions are called through it, and only while it is registered.
final class WatchedSandbox: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }
}

/// The process-wide thread that stops handlers past their deadline.
///
/// Lua only checks a hook if one is set, and any count hook slows every instruction (about 3× in a tight
/// loop). So runs go hook-free, and this thread arms a hook on the sandboxes whose deadline has passed; the
/// hook then raises on every instruction until the run unwinds. It looks every ``busyTickMicroseconds`` while
/// a run is in progress, every ``idleTickMicroseconds`` otherwise (so a run that starts during an idle nap
/// may be stopped up to that much late), and parks while no sandbox exists.
final class SandboxWatchdog: Sendable {
    static let shared = SandboxWatchdog()
    static let busyTickMicroseconds: UInt32 = 5_000
    static let idleTickMicroseconds: UInt32 = 50_000

    private let sandboxes = Mutex<[ObjectIdentifier: WatchedSandbox]>([:])
    private let wakeUp = DispatchSemaphore(value: 0)

    private init() {
        startNamedThread("lua-watchdog") { [self] in self.watch() }
    }

    func register(_ sandbox: WatchedSandbox) {
        let first = sandboxes.withLock {
            $0[ObjectIdentifier(sandbox)] = sandbox
            return $0.count == 1
        }
        if first { wakeUp.signal() }
    }

    /// After this returns the watchdog no longer touches the sandbox, which may then be destroyed.
    func unregister(_ sandbox: WatchedSandbox) {
        _ = sandboxes.withLock { $0.removeValue(forKey: ObjectIdentifier(sandbox)) }
    }

    private func watch() {
        var busy = true
        while true {
            if sandboxes.withLock({ $0.isEmpty }) {
                wakeUp.wait()
                continue
            }
            usleep(busy ? Self.busyTickMicroseconds : Self.idleTickMicroseconds)
            let now = clua_monotonic_ns()
            busy = sandboxes.withLock {
                $0.values.reduce(false) { busy, sandbox in clua_sandbox_enforce_deadline(sandbox.pointer, now) != 0 || busy }
            }
        }
    }
}
