import AdminHTTP
import Gateway
import JSONCore

/// `POST /admin/emit` (AdminHTTP) served by the gateway runtime's server push; the two modules are siblings.
struct GatewayPushBridge: ServerPushing {
    let push: ServerPush

    func emit(to target: EmitTarget, event: String, args: [JSONValue]) async -> Int {
        let pushTarget: PushTarget = switch target {
        case .user(let id): .user(id)
        case .room(let room): .room(room)
        case .gateway(let path): .gateway(path)
        case .all: .all
        }
        return await push.emitCounting(to: pushTarget, event: event, args: args)
    }
}
