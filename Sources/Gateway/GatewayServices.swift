import JSONCore
import ScriptSandbox

/// What a gateway's handler runs get besides their socket: `AUTH` (the daemon's token rules) and `DB` (the
/// collections, bound per run to who wrote and how deep in change hooks the write is).
struct GatewayServices: Sendable {
    let auth: GatewayAuthenticator

    /// The services of one run for a socket whose user is `user` (nil: anonymous).
    func forRun(user: JSONValue?) -> HandlerServices {
        HandlerServices(auth: auth)
    }
}
