import JSONCore

/// Who `POST /admin/emit` addresses: `{"user": id}`, `{"room": name}`, `{"gateway": path}` or `{"all": true}`.
public enum EmitTarget: Sendable, Equatable {
    case user(String)
    case room(String)
    case gateway(String)
    case all
}

/// What `POST /admin/emit` needs from the daemon: emitting to connected clients. The daemon bridges it to
/// the gateway runtime, which the admin API does not depend on.
public protocol ServerPushing: Sendable {
    /// Emits now; returns how many sockets were reached.
    func emit(to target: EmitTarget, event: String, args: [JSONValue]) async -> Int
}
