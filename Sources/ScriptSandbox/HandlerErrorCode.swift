/// The stable, machine-readable codes a handler run can fail with.
///
/// The raw values are the contract with API clients and admins: the gateway sends them as-is, the admin
/// test endpoint returns them, and scripts choose the `THROW` ones by name. Never rename a case's raw value.
public enum HandlerErrorCode: String, Sendable, Hashable, CaseIterable {
    // Raised by the script through THROW.
    case badRequest = "BAD_REQUEST"
    case unauthorized = "UNAUTHORIZED"
    case forbidden = "FORBIDDEN"
    case notFound = "NOT_FOUND"
    case conflict = "CONFLICT"
    case validationError = "VALIDATION_ERROR"
    case tooManyRequests = "TOO_MANY_REQUESTS"
    case internalError = "INTERNAL_ERROR"
    case serviceUnavailable = "SERVICE_UNAVAILABLE"
    // Raised by the sandbox.
    /// A Lua runtime error; the message keeps Lua's `chunkname:line:` prefix.
    case scriptError = "SCRIPT_ERROR"
    case scriptTimeout = "SCRIPT_TIMEOUT"
    case scriptMemoryLimit = "SCRIPT_MEMORY_LIMIT"
    /// A returned, emitted or thrown value that JSON cannot carry (function, userdata, cycle, NaN/inf,
    /// too deep, or over the payload cap).
    case invalidResult = "INVALID_RESULT"
    /// A value (a DB document, a DB call's arguments) larger than its limit.
    case payloadTooLarge = "PAYLOAD_TOO_LARGE"

    /// The HTTP-like status that goes with the code when nothing more specific was given.
    public var defaultStatus: Int {
        switch self {
        case .badRequest: 400
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .conflict: 409
        case .payloadTooLarge: 413
        case .validationError: 422
        case .tooManyRequests: 429
        case .internalError, .scriptError, .scriptMemoryLimit, .invalidResult: 500
        case .serviceUnavailable: 503
        case .scriptTimeout: 504
        }
    }

    /// Codes the sandbox itself raises as structured errors (from SOCKET, AUTH and DB calls), kept as raised (when
    /// the status is theirs) rather than derived from the status as a THROW's are.
    var isRaisedBySandbox: Bool {
        switch self {
        case .invalidResult, .payloadTooLarge, .scriptTimeout, .serviceUnavailable, .internalError: true
        default: false
        }
    }

    /// The code for `THROW(status, ...)`: the known statuses map to their code; any other 4xx is
    /// `BAD_REQUEST` and any other 5xx `INTERNAL_ERROR` (the failure keeps the status the script gave).
    public init(throwStatus status: Int) {
        switch status {
        case 400: self = .badRequest
        case 401: self = .unauthorized
        case 403: self = .forbidden
        case 404: self = .notFound
        case 409: self = .conflict
        case 422: self = .validationError
        case 429: self = .tooManyRequests
        case 503: self = .serviceUnavailable
        case 500..<600: self = .internalError
        default: self = .badRequest
        }
    }
}
