import NIOCore
import SocketIO
import Synchronization

/// The sockets that left for a reason their clients can recover from, while their recovery windows are open: when a
/// window ends without a recovery, the socket's disconnect handler runs (with the reason it left for); a recovered
/// socket's never does — in a cluster, whichever node it recovered through. At shutdown a single node's open windows
/// end at once (its sessions do not outlive it).
final class RecoveryWindows: Sendable {
    private struct Window {
        var connection: GatewayConnection
        var reason: DisconnectReason
        var timer: Scheduled<Void>
    }

    /// Open windows by the socket's private session id.
    private let open = Mutex<[String: Window]>([:])
    private let ended: @Sendable (GatewayConnection, DisconnectReason) -> Void

    /// `ended`: runs the disconnect handler of a socket whose window ended unrecovered.
    init(ended: @escaping @Sendable (GatewayConnection, DisconnectReason) -> Void) {
        self.ended = ended
    }

    /// Opens the window of a socket that awaits its recovery, for `duration`.
    func begin(_ connection: GatewayConnection, reason: DisconnectReason, duration: Duration) {
        guard let pid = connection.socket.pid else { return }
        let timer = connection.socket.eventLoop.scheduleTask(in: .init(duration)) { [self] in end(pid, connection.socket) }
        let replaced = open.withLock { $0.updateValue(Window(connection: connection, reason: reason, timer: timer), forKey: pid) }
        replaced?.timer.cancel()
    }

    /// A socket recovered the session `pid`: its window closes without the handler.
    func recovered(_ pid: String) {
        open.withLock { $0.removeValue(forKey: pid) }?.timer.cancel()
    }

    /// Ends every open window now (shutdown): the handlers of the sessions nobody recovered run.
    func endAll() async {
        let windows = open.withLock { open in
            defer { open.removeAll() }
            return Array(open.values)
        }
        for window in windows {
            window.timer.cancel()
            if await window.connection.socket.expireSession() { ended(window.connection, window.reason) }
        }
    }

    private func end(_ pid: String, _ socket: Socket) {
        let window: Window? = open.withLock { open in
            guard open[pid]?.connection.socket === socket else { return nil }
            return open.removeValue(forKey: pid)
        }
        guard let window else { return }
        Task { [ended] in
            if await socket.expireSession() { ended(window.connection, window.reason) }
        }
    }
}
