import PostgresNIO

extension SQLFragment {
    /// The statement with its values as postgres-nio binds them.
    var postgres: PostgresQuery {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): binds.append(text)
            case .integer(let integer): binds.append(integer)
            case .real(let real): binds.append(real)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
