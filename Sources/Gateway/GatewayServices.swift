import JSONCore
import ScriptSandbox

/// What a gateway's handler runs get besides their socket: `AUTH` (the daemon's token rules) and `DB` (the
/// collections, whose committed writes fire the change hooks on behalf of the run's user).
struct GatewayServices: Sendable {
    let auth: GatewayAuthenticator
    let hooks: ChangeHooks

    /// The services of one run of `script` for a socket whose user is `user` (nil: anonymous); `DB` only for a script
    /// that may call it.
    func forRun(_ script: CompiledScript, user: JSONValue?) -> HandlerServices {
        HandlerServices(auth: auth, data: script.mayUseData ? hooks.data(userId: HandlerUser.id(of: user), depth: 0) : nil)
    }
}
