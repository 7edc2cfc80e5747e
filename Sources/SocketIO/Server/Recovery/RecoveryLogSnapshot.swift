/// What a node's packet log of one namespace holds, as another node asks for it when it starts (its own log is empty):
/// so that a client that comes back through a node that restarted still finds what it missed before that node started.
public struct RecoveryLogSnapshot: Sendable, Equatable {
    /// One recorded packet, stamped as the sending node recorded it.
    public struct Entry: Sendable, Equatable {
        public var origin: PacketOrigin
        /// The packet as delivered: its offset appended as its last argument, `stampLength` bytes before the `]`.
        public var packet: EncodedSocketIOPacket
        public var stampLength: Int
        public var options: BroadcastOptions
        /// How long the packet has left in its window.
        public var remaining: Duration

        /// Whether `text` ends with an offset `stampLength` bytes long before its `]` (`,"<position>"`), as
        /// ``EncodedSocketIOPacket/appending(argument:)`` writes it: what a received entry must have.
        static func isStamp(_ stampLength: Int, of text: [UInt8]) -> Bool {
            let count = text.count
            guard stampLength >= 3, stampLength <= count - 2, text[count - 1] == UInt8(ascii: "]"),
                  text[count - 1 - stampLength] == UInt8(ascii: ","), text[count - stampLength] == UInt8(ascii: "\""),
                  text[count - 2] == UInt8(ascii: "\"") else { return false }
            return RecoveryPosition(text: String(decoding: text[(count - stampLength + 1)..<(count - 2)], as: UTF8.self)) != nil
        }

        public init(origin: PacketOrigin, packet: EncodedSocketIOPacket, stampLength: Int, options: BroadcastOptions,
                    remaining: Duration) {
            self.origin = origin
            self.packet = packet
            self.stampLength = stampLength
            self.options = options
            self.remaining = remaining
        }
    }

    /// The packets, in the order the sending node recorded them.
    public var entries: [Entry]
    /// For each origin the log knows, the first sequence number from which it holds every packet up to ``head``.
    public var completeFrom: [String: UInt64]
    public var head: RecoveryPosition

    public init(entries: [Entry] = [], completeFrom: [String: UInt64] = [:], head: RecoveryPosition = RecoveryPosition()) {
        self.entries = entries
        self.completeFrom = completeFrom
        self.head = head
    }
}
