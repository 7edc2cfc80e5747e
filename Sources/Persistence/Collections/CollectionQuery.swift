/// What `find` and `findOne` read: which items, in which order, which page, which fields.
struct CollectionQuery: Sendable, Equatable {
    static let defaultLimit = 1000
    static let maxLimit = 1000
    static let maxSortKeys = 16

    struct SortKey: Sendable, Equatable {
        let path: FieldPath
        let descending: Bool
    }

    var filter = CollectionFilter.matchEverything
    /// Paths each returned item keeps (`id` always); nil keeps the whole document.
    var fields: [FieldPath]?
    /// Items are always ordered by id after these keys, so pages never overlap or skip.
    var sort: [SortKey] = []
    var limit = defaultLimit
    var offset = 0
}
