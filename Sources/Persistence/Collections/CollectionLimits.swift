/// Sizes every collection store refuses to go past, whatever the backend.
public enum CollectionLimits {
    /// The most an item's encoded JSON may take.
    public static let maxDocumentBytes = 1 << 20
    /// The most stored JSON one `find` reads (a handler's payload cap is 1 MiB; 1000 rows of 1 MiB must not be read).
    public static let maxResultBytes = 16 << 20

    /// Throws when `bytes` of stored JSON, what a `find` has read so far, is more than ``maxResultBytes``.
    static func checkResult(bytes: Int) throws(CollectionError) {
        guard bytes <= maxResultBytes else {
            throw CollectionError(.payloadTooLarge, "the result is larger than \(maxResultBytes) bytes of JSON; ask for fewer rows (limit) or fields")
        }
    }
}
