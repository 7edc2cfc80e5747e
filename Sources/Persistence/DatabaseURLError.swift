/// `--db` named a database in a form gatewayd cannot use; the message says what is wrong, never the password.
public struct DatabaseURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
