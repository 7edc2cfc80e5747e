import JSONCore

/// What `DB` does, seen from Swift. The gateway binds it to the collection store for each run (the sandbox never
/// sees the store); calls arrive synchronously on the Lua worker thread, and every one must stop by `deadline`
/// (``HandlerRun/deadline``, monotonic nanoseconds).
public protocol HandlerData: Sendable {
    /// `DB.<collection>.<action>(arguments)`: the JSON result (nil: `findOne` found nothing) or the failure the
    /// script sees raised (`BAD_REQUEST` naming the field, `NOT_FOUND`, `CONFLICT`, `SCRIPT_TIMEOUT`, …).
    func perform(_ call: HandlerDataCall, deadline: UInt64) -> Result<JSONValue?, HandlerFailure>
    /// `DB.transaction(fn)`: runs `body` (the script's function) with a transaction open; `body` returns whether
    /// it finished without error, which commits; otherwise everything it wrote is rolled back. Nil: done as told.
    func transaction(deadline: UInt64, _ body: () -> Bool) -> HandlerFailure?
    /// Wraps a whole run that ends by `deadline` (test runs roll it all back); a live gateway just calls `run`.
    func enclose(deadline: UInt64, _ run: () -> HandlerOutcome) -> HandlerOutcome
}

extension HandlerData {
    public func enclose(deadline: UInt64, _ run: () -> HandlerOutcome) -> HandlerOutcome { run() }
}

/// One `DB` call as the script made it.
public struct HandlerDataCall: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case find, findOne, count, create, update, replace, delete
    }

    public var collection: String
    public var action: Action
    /// The table the script passed (`{filter = ..., data = ...}`), or an empty object.
    public var arguments: JSONValue

    public init(collection: String, action: Action, arguments: JSONValue) {
        self.collection = collection
        self.action = action
        self.arguments = arguments
    }
}

/// The services a run may use besides its socket; nil members make `AUTH` / `DB` fail with a clear error.
public struct HandlerServices: Sendable {
    public var auth: (any HandlerAuth)?
    public var data: (any HandlerData)?

    public init(auth: (any HandlerAuth)? = nil, data: (any HandlerData)? = nil) {
        self.auth = auth
        self.data = data
    }
}
