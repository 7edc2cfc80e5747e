import JSONCore
import ScriptSandbox

/// What a gateway's handler runs get besides their socket: `AUTH` (the daemon's token rules) and `DB` (the
/// collections, whose committed writes fire the change hooks on behalf of the run's user).
struct GatewayServices: Sendable {
    let auth: GatewayAuthenticator
    let hooks: ChangeHooks

    /// The services of one run for a socket whose user is `user` (nil: anonymous).
    func forRun(user: JSONValue?) -> HandlerServices {
        HandlerServices(auth: auth, data: hooks.data(userId: HandlerUser.id(of: user), depth: 0))
    }
}
