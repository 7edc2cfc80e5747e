/// A value a collection statement binds, in the form both backends can bind.
enum SQLValue: Sendable, Equatable {
    case text(String)
    case integer(Int)
    case real(Double)
}

/// SQL text and the values its placeholders bind, in order.
struct SQLFragment: Sendable, Equatable {
    var sql: String
    var values: [SQLValue]
}

/// The values a statement binds, collected while its text is written: `bind` appends one and returns its
/// placeholder in the dialect's style (`?`, `$1`).
struct SQLBindings {
    private(set) var values: [SQLValue] = []
    let placeholder: (Int) -> String

    mutating func bind(_ value: SQLValue) -> String {
        values.append(value)
        return placeholder(values.count)
    }
}
