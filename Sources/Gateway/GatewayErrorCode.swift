/// The stable codes the gateway itself answers with (handler failures use `HandlerErrorCode`).
///
/// Clients branch on these strings in acks, `ws:error` and CONNECT_ERROR data: never rename a raw value.
public enum GatewayErrorCode: String, Sendable, CaseIterable {
    /// The gateway has no enabled handler for the event.
    case noHandler = "NO_HANDLER"
    /// The job queue holds as many runs as it may.
    case queueFull = "QUEUE_FULL"
    /// The socket has as many runs pending as one socket may.
    case tooManyRequests = "TOO_MANY_REQUESTS"
    /// The socket sent events faster than its budget (`--max-events-per-second`, `--event-burst`).
    case rateLimited = "RATE_LIMITED"
    /// The daemon is shutting down: the event was not accepted, or its run was abandoned past the grace period.
    case shuttingDown = "SHUTTING_DOWN"
    /// The gateway requires a token and the client sent none.
    case authRequired = "AUTH_REQUIRED"
    /// The client sent a token that does not verify (signature, algorithm, `nbf`, format).
    case authInvalid = "AUTH_INVALID"
    /// The client sent a token whose `exp` has passed.
    case authExpired = "AUTH_EXPIRED"

    /// The HTTP-like status that goes with the code (in `callback` mode's error objects).
    var status: Int {
        switch self {
        case .noHandler: 404
        case .queueFull, .shuttingDown: 503
        case .tooManyRequests, .rateLimited: 429
        case .authRequired, .authInvalid, .authExpired: 401
        }
    }
}
