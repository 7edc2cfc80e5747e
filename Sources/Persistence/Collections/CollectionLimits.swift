/// Sizes every collection store refuses to go past, whatever the backend.
public enum CollectionLimits {
    /// The most an item's encoded JSON may take.
    public static let maxDocumentBytes = 1 << 20
    /// The most stored JSON one `find` reads (a handler's payload cap is 1 MiB; 1000 rows of 1 MiB must not be read).
    public static let maxResultBytes = 16 << 20
}
