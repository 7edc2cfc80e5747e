import JSONCore

/// A place in a namespace's stream of recorded packets, as one node saw it: for each origin (the process that
/// published), the sequence number of its last packet. Offsets on the wire are positions.
///
/// One process has one origin, written as the bare number (`42`, socket.io's style). In a cluster every node records
/// every node's packets, in the order they reach it, which differs from node to node: a position names each origin
/// (`Xk3fA9bQ~42.Pq81zZ0w~17`), so that a client's position means the same on whichever node it comes back to. Each
/// origin's packets arrive in the order it published them (the bus's order per sender), so "every packet of `o` up to
/// `n`" is what a position says the client has.
public struct RecoveryPosition: Sendable, Equatable {
    public private(set) var sequences: [String: UInt64]

    public init(_ sequences: [String: UInt64] = [:]) {
        self.sequences = sequences
    }

    /// The last sequence number of `origin` at this position; 0 before its first packet.
    public subscript(origin: String) -> UInt64 { sequences[origin] ?? 0 }

    mutating func advance(_ origin: String, to sequence: UInt64) {
        sequences[origin] = sequence
    }

    mutating func forget(_ origin: String) {
        sequences.removeValue(forKey: origin)
    }

    /// Whether this position is at or after `other` for every origin (but those `ignoring`).
    public func covers(_ other: RecoveryPosition, ignoring: Set<String> = []) -> Bool {
        other.sequences.allSatisfy { self[$0.key] >= $0.value || ignoring.contains($0.key) }
    }

    /// The later of the two positions, origin by origin.
    func joined(with other: RecoveryPosition) -> RecoveryPosition {
        RecoveryPosition(sequences.merging(other.sequences, uniquingKeysWith: max))
    }

    // MARK: Text

    static let originSeparator: Character = "~"
    static let componentSeparator: Character = "."

    /// The offset as sent: `42` for the unnamed origin of a single process, `origin~42` joined by `.` otherwise
    /// (sorted, so that equal positions read the same).
    public var text: String {
        if sequences.count == 1, let only = sequences[""] { return String(only) }
        return sequences.sorted { $0.key < $1.key }
            .map { $0.key + String(Self.originSeparator) + String($0.value) }
            .joined(separator: String(Self.componentSeparator))
    }

    /// The position an offset names (empty: before any packet); nil when it is malformed.
    public init?(text: String) {
        guard !text.isEmpty else {
            self.init()
            return
        }
        if let bare = UInt64(text) {
            self.init(["": bare])
            return
        }
        var sequences: [String: UInt64] = [:]
        for component in text.split(separator: Self.componentSeparator, omittingEmptySubsequences: false) {
            let parts = component.split(separator: Self.originSeparator, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let sequence = UInt64(parts[1]),
                  sequences.updateValue(sequence, forKey: String(parts[0])) == nil else { return nil }
        }
        self.init(sequences)
    }
}

extension EncodedSocketIOPacket {
    /// The packet with `argument` added after its last one: an EVENT's text ends with its data array's `]`, which the
    /// string goes before — attachments and placeholders stay as they are, and nothing is decoded. Also how many bytes
    /// the argument took (with its comma), so that it can be taken off again.
    func appending(argument: String) -> (packet: EncodedSocketIOPacket, length: Int) {
        guard text.last == UInt8(ascii: "]") else { preconditionFailure("an event packet ends with its data array") }
        var stamped = self
        stamped.text.removeLast()
        let before = stamped.text.count
        stamped.text.append(UInt8(ascii: ","))
        JSONValue.writeString(argument, into: &stamped.text)
        let length = stamped.text.count - before
        stamped.text.append(UInt8(ascii: "]"))
        return (stamped, length)
    }

    /// The packet without the last `length` bytes before its closing `]`: what ``appending(argument:)`` added.
    func removingArgument(length: Int) -> EncodedSocketIOPacket {
        var plain = self
        plain.text.removeSubrange(plain.text.count - 1 - length ..< plain.text.count - 1)
        return plain
    }
}
