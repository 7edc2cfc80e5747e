import JSONCore

/// Who a server-side push (`POST /admin/emit`) reaches.
public enum PushTarget: Sendable, Equatable {
    /// Every socket of the authenticated user with this id, on every gateway.
    case user(String)
    /// Every socket in this room, on every gateway.
    case room(String)
    /// Every socket connected to the gateway at this path.
    case gateway(String)
    /// Every socket of every gateway.
    case all
}

/// Emits events from the app's backend to connected clients: the logic behind `POST /admin/emit`.
public struct ServerPush: Sendable {
    let gateways: GatewayDirectory
    let users: UserDirectory

    /// Emits `event` with `args` to `target` now; returns how many sockets it reached.
    @discardableResult
    public func emit(to target: PushTarget, event: String, args: [JSONValue]) -> Int {
        switch target {
        case .user(let id): users.emit(toUser: id, event: event, args: args)
        case .room(let room): gateways.emit(toRoom: room, event: event, args: args)
        case .gateway(let path): gateways.emit(toGateway: path, event: event, args: args)
        case .all: gateways.emitToAll(event: event, args: args)
        }
    }
}
