/// A validated collection name, `[A-Za-z_][A-Za-z0-9_-]{0,63}`: safe in messages, index names and SQL literals.
struct CollectionName: Sendable, Hashable, CustomStringConvertible {
    static let maxLength = 64

    let description: String

    init(_ text: String) throws(CollectionError) {
        guard Self.isValid(text) else {
            throw .badRequest(
                "collection: \"\(text)\" is not a valid collection name (a letter or _, then up to \(Self.maxLength - 1) letters, digits, _ or -)"
            )
        }
        description = text
    }

    private static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= maxLength, first.isASCIILetterOrUnderscore else { return false }
        return bytes.allSatisfy { $0.isASCIILetterOrUnderscore || $0.isASCIIDigit || $0 == UInt8(ascii: "-") }
    }
}

extension UInt8 {
    var isASCIILetterOrUnderscore: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self | 0x20) || self == UInt8(ascii: "_")
    }

    var isASCIIDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
}
