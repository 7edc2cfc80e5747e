/// A validated path into a document, e.g. `user.name`: at most 8 dot-separated segments, each
/// `[A-Za-z_][A-Za-z0-9_]{0,63}`.
///
/// Only validated paths are ever written into SQL text (as JSON path literals, so that a query's expression is
/// the same text as a declared index's); values never are.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    static let maxSegments = 8
    static let maxSegmentLength = 64

    let segments: [String]

    /// `field` names the argument the path came from (`filter`, `sort`, `fields`), for the message.
    init(_ text: String, field: String) throws(CollectionError) {
        let segments = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard segments.count <= Self.maxSegments, segments.allSatisfy(Self.isValidSegment) else {
            throw .badRequest("\(field): \"\(text)\" is not a valid field path")
        }
        self.segments = segments
    }

    var description: String { segments.joined(separator: ".") }

    private static func isValidSegment(_ segment: String) -> Bool {
        let bytes = Array(segment.utf8)
        guard let first = bytes.first, bytes.count <= maxSegmentLength, first.isASCIILetterOrUnderscore else {
            return false
        }
        return bytes.allSatisfy { $0.isASCIILetterOrUnderscore || $0.isASCIIDigit }
    }
}
