import PostgresNIO

/// A PostgreSQL failure in words: postgres-nio's own errors print nothing useful (so they cannot leak a query), so
/// this carries the server's message and SQLSTATE, or what went wrong with the connection, and where (never the
/// password).
public struct PostgresStorageError: Error, Sendable, CustomStringConvertible {
    /// The SQLSTATE code when the server answered with an error, e.g. `57014` for a cancelled statement.
    public let sqlState: String?
    public let description: String

    /// SQLSTATE of a statement stopped by `statement_timeout` (or cancelled).
    static let queryCanceled = "57014"
    /// SQLSTATE of any statement after one failed in the same transaction.
    static let inFailedTransaction = "25P02"
    /// SQLSTATE of a write the server had no disk space for.
    static let diskFull = "53100"

    init(sqlState: String? = nil, _ description: String) {
        self.sqlState = sqlState
        self.description = description
    }

    /// `error` (whatever postgres-nio or NIO threw) while talking to `endpoint`.
    init(_ error: any Error, at endpoint: String) {
        if let error = error as? PostgresStorageError {
            self = error
            return
        }
        let (sqlState, reason) = Self.reason(error)
        self.init(sqlState: sqlState, "PostgreSQL at \(endpoint): \(reason)")
    }

    /// A connection to `endpoint` could not be made (or authenticated).
    init(connectingFailed error: any Error, to endpoint: String) {
        let (sqlState, reason) = Self.reason(error)
        self.init(sqlState: sqlState, "cannot connect to PostgreSQL at \(endpoint): \(reason)")
    }

    /// Whether the connection is still in a known state after this error: a server error leaves it usable, while
    /// anything else (a closed connection, a decoding failure) may not.
    var leavesConnectionUsable: Bool { sqlState != nil }

    private static func reason(_ error: any Error) -> (sqlState: String?, text: String) {
        guard let error = error as? PSQLError else { return (nil, "\(error)") }
        if let server = error.serverInfo {
            let sqlState = server[.sqlState]
            let message = [server[.message], server[.detail]].compactMap { $0 }.joined(separator: ": ")
            return (sqlState, "\(message) (SQLSTATE \(sqlState ?? "unknown"))")
        }
        if let underlying = error.underlying { return (nil, "\(error.code): \(underlying)") }
        return (nil, "\(error.code)")
    }
}
