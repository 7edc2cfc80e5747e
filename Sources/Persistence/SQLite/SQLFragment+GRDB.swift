import GRDB

extension SQLFragment {
    /// The values as GRDB binds them.
    var arguments: StatementArguments {
        StatementArguments(values.map { value -> DatabaseValue in
            switch value {
            case .text(let text): text.databaseValue
            case .integer(let integer): integer.databaseValue
            case .real(let real): real.databaseValue
            }
        })
    }
}
