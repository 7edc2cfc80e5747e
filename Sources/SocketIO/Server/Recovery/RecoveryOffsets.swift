import JSONCore

/// How a node writes the offsets it stamps on packets: the decimal sequence number, after `<node>~` in a cluster,
/// where every node stamps what it delivers with its own sequence (an offset says which node's log it points into).
public struct RecoveryOffsets: Sendable, Equatable {
    /// `<node>~` in a cluster, empty on a single node.
    public let prefix: String

    public init(node: String? = nil) {
        prefix = node.map { $0 + "~" } ?? ""
    }

    public func text(_ offset: UInt64) -> String { prefix + String(offset) }

    /// The sequence number of an offset this node stamped; nil for another node's or a malformed one.
    public func sequence(_ text: String) -> UInt64? {
        guard text.hasPrefix(prefix) else { return nil }
        return UInt64(text.dropFirst(prefix.count))
    }
}

extension EncodedSocketIOPacket {
    /// The packet with `argument` added after its last one: an EVENT's text ends with its data array's `]`, which the
    /// string goes before — attachments and placeholders stay as they are, and nothing is decoded.
    func appending(argument: String) -> EncodedSocketIOPacket {
        guard text.last == UInt8(ascii: "]") else { preconditionFailure("an event packet ends with its data array") }
        var stamped = self
        stamped.text.removeLast()
        stamped.text.append(UInt8(ascii: ","))
        JSONValue.writeString(argument, into: &stamped.text)
        stamped.text.append(UInt8(ascii: "]"))
        return stamped
    }
}
