/// A node's name in a cluster: 1 to 32 characters of `A-Z a-z 0-9 - _`, so it goes into a URL as it is and ends
/// before the `~` of the session ids the node issues (``SessionID``).
public struct NodeID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    /// The longest id accepted: short, since every session id and every forwarded request carries it.
    public static let maximumLength = 32

    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String {
            "invalid node id \"\(text)\": 1 to \(NodeID.maximumLength) characters of A-Z, a-z, 0-9, '-' and '_'"
        }
    }

    public init(validating text: String) throws(Invalid) {
        guard let id = NodeID(text[...]) else { throw Invalid(text: text) }
        self = id
    }

    /// nil unless `text` is a valid id: how the node part of a session id a client sent is read.
    init?(_ text: Substring) {
        guard (1...Self.maximumLength).contains(text.utf8.count), text.utf8.allSatisfy(Self.isAllowed) else { return nil }
        rawValue = String(text)
    }

    public var description: String { rawValue }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
