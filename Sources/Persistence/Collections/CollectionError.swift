/// Why a collection operation failed: a stable code the script and the admin API can branch on, and a message
/// that names the offending field.
public struct CollectionError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case badRequest = "BAD_REQUEST"
        case notFound = "NOT_FOUND"
        case conflict = "CONFLICT"
        case payloadTooLarge = "PAYLOAD_TOO_LARGE"
        case deadlineExceeded = "DEADLINE_EXCEEDED"
        /// The database has no room left to write (disk full): reads still work, and writes will once space is freed.
        case storageFull = "STORAGE_FULL"
        /// The database failed for a reason the request did not cause (a lock held too long, I/O, …).
        case storage = "STORAGE_ERROR"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func badRequest(_ message: String) -> CollectionError { CollectionError(.badRequest, message) }

    /// The database stopped a statement because the deadline passed while it ran.
    static let interrupted = CollectionError(.deadlineExceeded, "the query ran past the handler's deadline")
    static let deadlinePassed = CollectionError(.deadlineExceeded, "the deadline had passed before the operation started")
}

extension CollectionError {
    /// Runs `work`, whose failures are all the backend's: a `CollectionError` comes out as it is, anything else
    /// through `convert`.
    static func converting<T>(_ convert: (any Error) -> CollectionError, _ work: () throws -> T) throws(CollectionError) -> T {
        do {
            return try work()
        } catch let error as CollectionError {
            throw error
        } catch {
            throw convert(error)
        }
    }
}
