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

/// Emits events from the app's backend (and from change hooks) to connected clients.
public struct ServerPush: Sendable {
    let gateways: GatewayDirectory

    /// Emits `event` with `args` to `target` now (a change hook's emit).
    func emit(to target: PushTarget, event: String, args: [JSONValue]) {
        GatewayMetrics.shared.emitted(Self.metricTarget(target))
        gateways.emit(event, args: args, to: Self.audience(target))
    }

    /// Emits `event` with `args` to `target` now (the admin API's `POST /admin/emit`); returns how many sockets it
    /// reached.
    public func emitCounting(to target: PushTarget, event: String, args: [JSONValue]) async -> Int {
        GatewayMetrics.shared.emitted(.admin)
        return await gateways.emitCounting(event, args: args, to: Self.audience(target))
    }

    private static func metricTarget(_ target: PushTarget) -> GatewayMetrics.EmitTarget {
        switch target {
        case .user: .user
        case .room: .room
        case .gateway: .gateway
        case .all: .broadcast
        }
    }

    private static func audience(_ target: PushTarget) -> GatewayDirectory.Audience {
        switch target {
        case .user(let id): .user(id)
        case .room(let room): .room(room)
        case .gateway(let path): .gateway(path)
        case .all: .everyone
        }
    }
}
