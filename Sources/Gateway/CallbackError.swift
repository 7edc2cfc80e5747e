import JSONCore
import ScriptSandbox

/// The error object of `callback` ack mode: what Feathers' `@feathersjs/errors` put on the wire
/// (`{name, message, code, className, data?}`, named after the HTTP status), plus gatewayd's own `errorCode`.
///
/// Clients written in the Node convention (`(error, data) => …`) branch on `name` or `code`; the mapping follows
/// Feathers' error classes, so `new errors[err.name]` style client code keeps working.
enum CallbackError {
    /// `name` and `className` for each status Feathers has a class for; other 4xx are `BadRequest`, 5xx `GeneralError`.
    static func names(forStatus status: Int) -> (name: String, className: String) {
        switch status {
        case 400: ("BadRequest", "bad-request")
        case 401: ("NotAuthenticated", "not-authenticated")
        case 402: ("PaymentError", "payment-error")
        case 403: ("Forbidden", "forbidden")
        case 404: ("NotFound", "not-found")
        case 405: ("MethodNotAllowed", "method-not-allowed")
        case 406: ("NotAcceptable", "not-acceptable")
        case 408: ("Timeout", "timeout")
        case 409: ("Conflict", "conflict")
        case 410: ("Gone", "gone")
        case 411: ("LengthRequired", "length-required")
        case 422: ("Unprocessable", "unprocessable")
        case 429: ("TooManyRequests", "too-many-requests")
        case 501: ("NotImplemented", "not-implemented")
        case 502: ("BadGateway", "bad-gateway")
        case 503: ("Unavailable", "unavailable")
        case 400..<500: ("BadRequest", "bad-request")
        default: ("GeneralError", "general-error")
        }
    }

    /// The status a failure is reported with: its own, except a timed-out handler, which is a 408 `Timeout`.
    static func status(of failure: HandlerFailure) -> Int {
        failure.code == .scriptTimeout ? 408 : failure.status
    }

    static func object(errorCode: String, status: Int, message: String, details: JSONValue?) -> JSONValue {
        let (name, className) = names(forStatus: status)
        var fields: [String: JSONValue] = [
            "name": .string(name), "className": .string(className), "code": .int(status),
            "message": .string(message), "errorCode": .string(errorCode),
        ]
        if let details, details != .null { fields["data"] = details }
        return .object(fields)
    }
}
