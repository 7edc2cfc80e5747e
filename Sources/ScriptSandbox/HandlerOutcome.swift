import JSONCore

/// What one handler run produced: its return values, or a typed failure. Either way, the logs it wrote.
public enum HandlerOutcome: Sendable, Equatable {
    /// `values` holds every value the handler returned, in order (empty when it returned nothing).
    case success(values: [JSONValue], logs: [JSONValue])
    case failure(HandlerFailure)

    /// The return values as one JSON value, as `ws:result` and test runs report them: none → null, one → that value,
    /// several → an array of them.
    public static func result(of values: [JSONValue]) -> JSONValue {
        switch values.count {
        case 0: .null
        case 1: values[0]
        default: .array(values)
        }
    }

    /// The entries `LOGS(...)` and `print(...)` added, up to the moment the run ended.
    public var logs: [JSONValue] {
        switch self {
        case .success(_, let logs): logs
        case .failure(let failure): failure.logs
        }
    }
}

/// A failed run: a stable code, an HTTP-like status, a message for humans, optional JSON details.
public struct HandlerFailure: Error, Sendable, Equatable {
    public var code: HandlerErrorCode
    public var status: Int
    public var message: String
    public var details: JSONValue?
    public var logs: [JSONValue]

    public init(code: HandlerErrorCode, status: Int? = nil, message: String, details: JSONValue? = nil, logs: [JSONValue] = []) {
        self.code = code
        self.status = status ?? code.defaultStatus
        self.message = message
        self.details = details
        self.logs = logs
    }
}
