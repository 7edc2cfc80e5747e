import JSONCore
import ScriptSandbox

/// The shapes of everything the gateway sends about an event: acks, `ws:result` and `ws:error`.
///
/// These are the client-facing contract (apps parse them), so they are built in one place.
enum GatewayReplies {
    static let resultEvent = "ws:result"
    static let errorEvent = "ws:error"
    /// The built-in event a client sends to ask for the results it missed (``ResultLedger``).
    static let resultsRequest = "ws:results"

    /// Queued mode's immediate ack.
    static func accepted(requestId: String, eventName: String) -> JSONValue {
        ["accepted": true, "queued": true, "requestId": .string(requestId), "eventName": .string(eventName)]
    }

    /// The ack of an event that will not run (no handler, queue full, shutting down), in either ack mode.
    static func refused(eventName: String, code: String, message: String) -> JSONValue {
        [
            "accepted": false, "queued": false, "eventName": .string(eventName),
            "error": ["code": .string(code), "message": .string(message)],
        ]
    }

    /// `result` of `ws:result`: the single value, an array of several, or null for none.
    static func success(requestId: String, eventName: String, values: [JSONValue], logs: [JSONValue]) -> JSONValue {
        [
            "requestId": .string(requestId), "eventName": .string(eventName), "success": true,
            "result": HandlerOutcome.result(of: values), "logs": .array(logs),
        ]
    }

    static func failure(requestId: String, eventName: String, code: String, message: String, details: JSONValue?, logs: [JSONValue]) -> JSONValue {
        [
            "requestId": .string(requestId), "eventName": .string(eventName), "success": false,
            "code": .string(code), "message": .string(message), "logs": .array(logs), "details": details ?? .null,
        ]
    }

    /// Result mode's ack for a failed run.
    static func resultModeFailure(code: String, message: String, details: JSONValue?) -> JSONValue {
        ["error": ["code": .string(code), "message": .string(message), "details": details ?? .null]]
    }
}
