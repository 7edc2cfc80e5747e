import Foundation
import JSONCore
import Logging
import NIOCore
import SocketIO
import Synchronization

/// Ends a socket whose token runs out: at the token's `exp` the socket gets `auth:expired {exp}`, and `grace`
/// later it is disconnected (`server namespace disconnect`). Without this an expired token keeps a connection
/// working until the client leaves.
///
/// The timers are NIO timers on the socket's event loop, cancelled when the socket leaves.
final class TokenExpiry: Sendable {
    static let event = "auth:expired"
    /// Seconds; ten years.
    static let longestTimer: Double = 315_360_000

    private let timers = Mutex<[Scheduled<Void>]>([])

    /// Starts timing the token whose claims are `user`; nil when the claims carry no `exp`.
    static func start(for socket: Socket, user: JSONValue?, grace: Duration, logger: Logger) -> TokenExpiry? {
        let seconds: Double
        switch user?["exp"] {
        case .int(let value)?: seconds = Double(value)
        case .double(let value)?: seconds = value
        default: return nil
        }
        let exp = user?["exp"] ?? .null
        // Clamped, so an `exp` centuries away (or not finite) cannot overflow the timer; such a token simply never
        // expires while connected.
        let remaining = min(max(0, seconds - Date().timeIntervalSince1970), Self.longestTimer)
        guard remaining.isFinite else { return nil }
        let untilExpiry = TimeAmount.nanoseconds(Int64(remaining * 1e9))
        let loop = socket.eventLoop
        let expiry = TokenExpiry()
        let warning = loop.scheduleTask(in: untilExpiry) {
            guard socket.isConnected else { return }
            socket.emit(Self.event, args: [["exp": exp]])
        }
        let disconnect = loop.scheduleTask(in: untilExpiry + TimeAmount(grace)) {
            guard socket.isConnected else { return }
            logger.info("token expired, disconnecting", metadata: ["socket": "\(socket.id)", "exp": "\(exp)"])
            socket.disconnect()
        }
        expiry.timers.withLock { $0 = [warning, disconnect] }
        return expiry
    }

    func cancel() {
        for timer in timers.withLock({ timers in defer { timers = [] }; return timers }) { timer.cancel() }
    }
}
