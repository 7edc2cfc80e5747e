/// The body of `POST /admin/test/run`, and what `gatewayd test-run` builds from its options.
///
/// Fields are kept loose here (`kind` as text, `user` and `handshake` as any JSON) so that ``TestRunner``
/// can answer each mistake with its own stable code instead of a generic decoding error.
public struct TestRunRequest: Codable, Sendable, Equatable {
    /// `websocket_event` or `websocket_connection`.
    public var kind: String?
    public var gatewayPath: String?
    public var gatewayId: Int64?
    public var eventName: String?
    /// Runs instead of the saved handler when given.
    public var script: String?
    /// Becomes `BODY` and `ARGS = {payload}` (unless `args` is given).
    public var payload: AnyJSON?
    /// Becomes `ARGS`, and its first element `BODY`.
    public var args: [AnyJSON]?
    /// Becomes `USER`: an object with `id` (or `sub`, copied to `id`).
    public var user: AnyJSON?
    /// Merged over the default `HANDSHAKE`.
    public var handshake: AnyJSON?
    public var timeoutMs: Int?
    /// What `SOCKET.data` starts as (an object; default `{}`); the report returns what the run left in it.
    public var socketData: AnyJSON?
    /// Keep what the run wrote to collections (and fire their change hooks); by default it is all rolled back.
    public var commit: Bool?

    public init(
        kind: String? = nil, gatewayPath: String? = nil, gatewayId: Int64? = nil, eventName: String? = nil,
        script: String? = nil, payload: AnyJSON? = nil, args: [AnyJSON]? = nil, user: AnyJSON? = nil,
        handshake: AnyJSON? = nil, timeoutMs: Int? = nil, socketData: AnyJSON? = nil, commit: Bool? = nil
    ) {
        self.kind = kind
        self.gatewayPath = gatewayPath
        self.gatewayId = gatewayId
        self.eventName = eventName
        self.script = script
        self.payload = payload
        self.args = args
        self.user = user
        self.handshake = handshake
        self.timeoutMs = timeoutMs
        self.socketData = socketData
        self.commit = commit
    }
}

/// Which handler a test run exercises.
public enum TestRunKind: String, Sendable {
    /// An event handler: `eventName` is required; `BODY`/`ARGS` come from `payload`/`args`.
    case websocketEvent = "websocket_event"
    /// The gateway's connection script: `BODY` is nil and `ARGS` empty.
    case websocketConnection = "websocket_connection"
}
