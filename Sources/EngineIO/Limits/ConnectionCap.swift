import HummingbirdCore
import Logging

/// Stops accepting connections while `maximum` are open, and accepts again as they close.
///
/// The cap sits below the process's file-descriptor limit so that accepting never fails with `EMFILE`: when it does,
/// SwiftNIO 2.101's server channel keeps its read pending and retries `accept` in a busy loop (its
/// `AcceptBackoffHandler` only defers reads that are asked for again), which starves every other connection.
/// Connections past the cap wait in the kernel's listen backlog. Each episode is logged once, at its start and end.
struct ConnectionCap: AvailableConnectionsDelegate {
    let maximum: Int
    let logger: Logger
    private var open = 0
    private var isFull = false

    init(maximum: Int, logger: Logger) {
        self.maximum = maximum
        self.logger = logger
    }

    mutating func connectionOpened() {
        open += 1
        if open >= maximum, !isFull {
            isFull = true
            logger.warning("connection limit reached: not accepting new connections until some close", metadata: [
                "max_connections": "\(maximum)",
            ])
        }
    }

    mutating func connectionClosed() {
        open -= 1
        if open < maximum, isFull {
            isFull = false
            logger.info("accepting connections again", metadata: ["open_connections": "\(open)"])
        }
    }

    func isAcceptingNewConnections() -> Bool {
        open < maximum
    }
}
