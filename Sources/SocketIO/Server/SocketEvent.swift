import JSONCore
import Synchronization

/// An event a client emitted: its name, every argument, the acknowledgement callback if it asked for one, and its size
/// as it came (the packet's text and binary attachments): what a queue holding it budgets for.
public struct SocketEvent: Sendable {
    public var name: String
    public var args: [JSONValue]
    public var ack: Acknowledgement?
    public var wireBytes: Int

    public init(name: String, args: [JSONValue], ack: Acknowledgement?, wireBytes: Int = 0) {
        self.name = name
        self.args = args
        self.ack = ack
        self.wireBytes = wireBytes
    }
}

/// The client's ack callback for one event. Only the first `send` goes out: a client runs its
/// callback once, so a second answer would be a protocol error on its side.
public final class Acknowledgement: Sendable {
    private let socket: Socket
    private let id: Int
    private let sent = Atomic<Bool>(false)

    init(socket: Socket, id: Int) {
        self.socket = socket
        self.id = id
    }

    /// Sends the ack with these arguments; returns false if it was already sent.
    @discardableResult
    public func send(_ args: [JSONValue]) -> Bool {
        let first = !sent.exchange(true, ordering: .acquiringAndReleasing)
        if first { socket.sendPacket(SocketIOPacket(.ack, namespace: socket.namespace.name, data: .array(args), ackId: id)) }
        return first
    }
}
