/// One collection as the admin API lists it.
public struct CollectionSummary: Sendable, Equatable, Codable {
    public let name: String
    /// How many items it holds.
    public let count: Int
    /// The field paths declared as indexed, sorted.
    public let indexes: [String]
}
