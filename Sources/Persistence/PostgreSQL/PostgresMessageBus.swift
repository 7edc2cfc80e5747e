import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The message bus on PostgreSQL's `NOTIFY`: published messages go out through pooled connections, one batch at a
/// time in publishing order (one statement, or one transaction when some travel in rows), and arrive through the
/// node's listening connection (``PostgresListener``).
///
/// A message that does not fit in a notification (see ``BusNotification``) is written to `cluster_attachments` in the
/// transaction that notifies its row's id, so the row is there when the notification arrives; the receiver reads it
/// from a pooled connection before the next message of the channel is handed over. ``purgeAttachments(olderThan:)``
/// deletes old rows.
final class PostgresMessageBus: MessageBus {
    /// Messages sent in one statement at most.
    static let batchSize = 64

    /// This bus's name in its notifications (the node's id): what it recognises as its own and drops.
    let sender: String
    let channels: PostgresChannels
    private let pool: PostgresConnectionPool
    private let listener: PostgresListener
    private let logger: Logger
    private let outbox = Mutex(BusOutbox())

    init(sender: String, channels: PostgresChannels, pool: PostgresConnectionPool, listener: PostgresListener, logger: Logger) {
        precondition(!sender.isEmpty && !sender.contains(" "), "a bus sender is one word")
        self.sender = sender
        self.channels = channels
        self.pool = pool
        self.listener = listener
        self.logger = logger
    }

    // MARK: MessageBus

    func subscribe(_ channel: BusChannel, receive: @escaping @Sendable (BusMessage) -> Void) async throws {
        try await listener.listen(channels.name(of: channel)) { [self] payload in await self.receive(payload, receive) }
    }

    func unsubscribe(_ channel: BusChannel) {
        listener.unlisten(channels.name(of: channel))
    }

    func publish(_ message: BusMessage, on channel: BusChannel) {
        guard outbox.withLock({ $0.add(message, on: channels.name(of: channel)) }) else { return }
        NIOThreadPool.singleton.submit { [self] _ in drain() }
    }

    // MARK: Sending

    /// Sends what the outbox holds, batch after batch, until it is empty; on a thread that may block.
    private func drain() {
        while true {
            switch outbox.withLock({ $0.next(Self.batchSize) }) {
            case .send(let batch):
                do {
                    try pool.withSession(deadline: nil) { session in try send(batch, on: session) }
                } catch {
                    logger.error("cluster bus: messages lost, PostgreSQL refused them", metadata: [
                        "messages": "\(batch.count)", "error": "\(error)",
                    ])
                }
            case .stop(let sent):
                for waiter in sent { waiter.resume() }
                return
            }
        }
    }

    /// Returns once every message published so far was sent (or lost): before a node that leaves closes its
    /// connections, so that its last words (ADAPTER_CLOSE) go out.
    func flush() async {
        await withCheckedContinuation { waiter in
            if !outbox.withLock({ $0.waitUntilSent(waiter) }) { waiter.resume() }
        }
    }

    private func send(_ batch: [BusOutbox.Letter], on session: PostgresSession) throws {
        let channels = batch.map(\.channel)
        var payloads = batch.map { BusNotification.inline($0.message, header: header(of: $0)) }
        guard payloads.contains(nil) else {
            return try notify(channels, payloads.compactMap { $0 }, on: session)
        }
        // The rows and the notifications naming them commit together: a row is there before anyone hears of it.
        try session.transaction(deadline: nil) {
            for (index, letter) in batch.enumerated() where payloads[index] == nil {
                payloads[index] = BusNotification.stored(rowID: try store(letter.message, on: session), header: header(of: letter))
            }
            try notify(channels, payloads.compactMap { $0 }, on: session)
        }
    }

    private func header(of letter: BusOutbox.Letter) -> BusNotification.Header {
        BusNotification.Header(sender: sender, sequence: letter.sequence)
    }

    /// One statement, whose notifications go out in order.
    private func notify(_ channels: [String], _ payloads: [String], on session: PostgresSession) throws {
        try session.query("SELECT pg_notify(channel, payload) FROM unnest(\(channels)::text[], \(payloads)::text[]) AS m(channel, payload)")
    }

    /// Writes `message` to a `cluster_attachments` row; its id.
    private func store(_ message: BusMessage, on session: PostgresSession) throws -> Int64 {
        let id = try session.query("""
            INSERT INTO cluster_attachments (text, attachments)
            VALUES (\(ByteBuffer(bytes: message.text)), \(message.attachments.map { ByteBuffer(bytes: $0) }))
            RETURNING id
            """).rows.first?.decode(Int64.self)
        guard let id else { throw PostgresStorageError("cluster_attachments: the insert returned no id") }
        return id
    }

    /// Deletes the attachment rows older than `retention`.
    static func purgeAttachments(olderThan retention: Duration, on session: PostgresSession) throws {
        let milliseconds = Int64(retention / .milliseconds(1))
        try session.query("DELETE FROM cluster_attachments WHERE created_at < now() - \(milliseconds) * interval '1 millisecond'")
    }

    // MARK: Receiving

    private func receive(_ payload: String, _ deliver: @Sendable (BusMessage) -> Void) async {
        guard let (header, notification) = BusNotification.parse(payload) else {
            logger.warning("cluster bus: not a bus notification, ignored", metadata: ["payload": "\(payload.prefix(80))"])
            return
        }
        guard header.sender != sender else { return }
        switch notification {
        case .inline(let text):
            deliver(BusMessage(text: Array(text.utf8)))
        case .stored(let id):
            do {
                deliver(try await read(id))
            } catch {
                logger.error("cluster bus: a message was lost, its row could not be read", metadata: [
                    "from": "\(header.sender)", "row": "\(id)", "error": "\(error)",
                ])
            }
        }
    }

    private func read(_ id: Int64) async throws -> BusMessage {
        try await pool.offload { session in
            let rows = try session.query("SELECT text, attachments FROM cluster_attachments WHERE id = \(id)").rows
            guard let row = rows.first else { throw PostgresStorageError("cluster_attachments row \(id) is gone") }
            let (text, attachments) = try row.decode((ByteBuffer, [ByteBuffer]).self)
            return BusMessage(text: Array(buffer: text), attachments: attachments.map { Array(buffer: $0) })
        }
    }
}
