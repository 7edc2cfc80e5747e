import JSONCore
import Persistence
import ScriptSandbox

/// The outcome of a test run: `{success:true, result, logs, emitted, socketData, writes}` or
/// `{success:false, error:{code, message, details, status}, logs, emitted, socketData, writes}`.
///
/// A handler that fails is still a successful *request* (HTTP 200): the failure is what the author wants
/// to see, with whatever it logged and emitted before failing.
public struct TestRunReport: Codable, Sendable, Equatable {
    public struct Failure: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        public var details: AnyJSON?
        /// The HTTP-like status the gateway would send with this failure.
        public var status: Int

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
            try container.encode(details ?? AnyJSON(.null), forKey: .details)
            try container.encode(status, forKey: .status)
        }
    }

    public struct Emitted: Codable, Sendable, Equatable {
        public var method: String
        public var args: [AnyJSON]
    }

    /// One write to a collection the run made (rolled back unless the request said `commit`).
    public struct Write: Codable, Sendable, Equatable {
        public var collection: String
        public var action: String
        public var id: String?

        init(_ change: CollectionChange) {
            collection = change.collection
            action = change.action.rawValue
            id = change.item["id"]?.stringValue
        }
    }

    public var success: Bool
    /// Present when `success`: several return values → an array of them, one → that value, none → null.
    public var result: AnyJSON?
    public var error: Failure?
    public var logs: [AnyJSON]
    public var emitted: [Emitted]
    /// `SOCKET.data` as the run left it (as it was given when the run could not keep it); `{}` when empty.
    public var socketData: AnyJSON
    public var writes: [Write]

    init(outcome: HandlerOutcome, calls: [RecordedCall], socketData: JSONValue?, writes: [CollectionChange]) {
        self.socketData = AnyJSON(socketData ?? .object([:]))
        self.writes = writes.map(Write.init)
        logs = outcome.logs.map(AnyJSON.init)
        emitted = calls.map { Emitted(method: $0.method, args: $0.args.map(AnyJSON.init)) }
        switch outcome {
        case .success(let values, _):
            success = true
            result = AnyJSON(HandlerOutcome.result(of: values))
        case .failure(let failure):
            success = false
            error = Failure(
                code: failure.code.rawValue, message: failure.message, details: failure.details.map(AnyJSON.init),
                status: failure.status)
        }
    }

    /// A script that does not compile: a handler failure too, with the line in `details`.
    init(syntaxError: ScriptSyntaxError, socketData: JSONValue?) {
        self.socketData = AnyJSON(socketData ?? .object([:]))
        success = false
        error = Failure(
            code: ScriptSyntaxError.code, message: syntaxError.message,
            details: AnyJSON(["line": .int(syntaxError.line)]), status: 422)
        logs = []
        emitted = []
        writes = []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(success, forKey: .success)
        if success {
            try container.encode(result ?? AnyJSON(.null), forKey: .result)
        } else {
            try container.encode(error, forKey: .error)
        }
        try container.encode(logs, forKey: .logs)
        try container.encode(emitted, forKey: .emitted)
        try container.encode(socketData, forKey: .socketData)
        try container.encode(writes, forKey: .writes)
    }
}
