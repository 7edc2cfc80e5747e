import JSONCore
import ScriptSandbox

/// The `SOCKET` of a change hook: no connection of its own, so it only emits (to users, rooms, gateways, everyone);
/// the sandbox refuses every other SOCKET function with a clear error.
struct HookSocket: HandlerSocket {
    let push: ServerPush

    var id: String { "" }
    var onlyEmits: Bool { true }
    var data: JSONValue? { nil }

    func emitToUser(userId: String, event: String, args: [JSONValue]) {
        push.emit(to: .user(userId), event: event, args: args)
    }

    func emitToRoom(room: String, event: String, args: [JSONValue]) {
        push.emit(to: .room(room), event: event, args: args)
    }

    func emitToGateway(path: String, event: String, args: [JSONValue]) {
        push.emit(to: .gateway(path), event: event, args: args)
    }

    func broadcast(event: String, args: [JSONValue]) {
        push.emit(to: .all, event: event, args: args)
    }

    // Refused by the sandbox before they are called (`onlyEmits`).
    func reply(event: String, args: [JSONValue]) {}
    func join(room: String) {}
    func leave(room: String) {}
    func broadcastToRoom(room: String, event: String, args: [JSONValue]) {}
    func disconnect(close: Bool) {}
    func volatileReply(event: String, args: [JSONValue]) {}
    func volatileEmitToRoom(room: String, event: String, args: [JSONValue]) {}
    func roomSize(room: String) -> Int { 0 }
    func rooms() -> [String] { [] }
    func signIn(user: JSONValue) {}
    func signOut() {}
    func storeData(_ data: JSONValue?) {}
}
