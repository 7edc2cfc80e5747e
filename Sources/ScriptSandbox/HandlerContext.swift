import JSONCore

/// Everything a handler sees about the event it handles; becomes the script's globals.
///
/// `BODY` is the first argument, `ARGS` all of them, `USER` the caller's claims (an object with at least
/// `id`) or nil for anonymous callers, and `HANDSHAKE` an object with `headers`, `query`, `auth`,
/// `address`, `time` and `url`.
public struct HandlerContext: Sendable, Equatable {
    public var args: [JSONValue]
    public var event: String
    public var requestId: String
    public var gatewayPath: String
    public var user: JSONValue?
    public var handshake: JSONValue

    public init(
        args: [JSONValue] = [],
        event: String,
        requestId: String,
        gatewayPath: String,
        user: JSONValue? = nil,
        handshake: JSONValue = .object([:])
    ) {
        self.args = args
        self.event = event
        self.requestId = requestId
        self.gatewayPath = gatewayPath
        self.user = user
        self.handshake = handshake
    }

    /// The first argument, as `BODY` shows it.
    public var body: JSONValue? { args.first }
}
