/// `--db` named a database this build cannot open.
public struct UnsupportedDatabase: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL scheme, e.g. `postgres`.
    public let scheme: String

    public var description: String {
        "--db \(scheme)://… asks for PostgreSQL, which gatewayd does not support yet; give an SQLite file path instead"
    }
}
