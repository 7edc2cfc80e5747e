import JSONCore
import Synchronization

/// One SOCKET call as ``RecordingSocket`` saw it: the Lua method name and its arguments.
public struct RecordedCall: Sendable, Equatable {
    public var method: String
    public var args: [JSONValue]

    public init(method: String, args: [JSONValue]) {
        self.method = method
        self.args = args
    }

    /// `{"method": ..., "args": [...]}`, as the admin test endpoint returns it under `emitted`.
    public var json: JSONValue { .object(["method": .string(method), "args": .array(args)]) }
}

/// A ``HandlerSocket`` that performs nothing and records every call, for the admin test runner and tests.
///
/// `roomSize` and `rooms` answer from the joins and leaves recorded so far (the caller counts as the
/// only member of the rooms it joined), so scripts that check their own membership behave sensibly.
public final class RecordingSocket: HandlerSocket {
    public let id: String
    private let state: Mutex<(calls: [RecordedCall], rooms: [String], data: JSONValue?)>

    /// `data` is what `SOCKET.data` starts as (nil: empty); ``data`` tells what the runs left in it.
    public init(id: String = "test-socket", data: JSONValue? = nil) {
        self.id = id
        self.state = Mutex(([], [], data))
    }

    /// The calls so far, oldest first.
    public var calls: [RecordedCall] { state.withLock { $0.calls } }

    public var data: JSONValue? { state.withLock { $0.data } }

    public func storeData(_ data: JSONValue?) { state.withLock { $0.data = data } }

    private func record(_ method: String, _ args: [JSONValue]) {
        state.withLock { $0.calls.append(RecordedCall(method: method, args: args)) }
    }

    public func reply(event: String, args: [JSONValue]) { record("reply", [.string(event)] + args) }

    public func join(room: String) {
        state.withLock {
            $0.calls.append(RecordedCall(method: "join", args: [.string(room)]))
            if !$0.rooms.contains(room) { $0.rooms.append(room) }
        }
    }

    public func leave(room: String) {
        state.withLock {
            $0.calls.append(RecordedCall(method: "leave", args: [.string(room)]))
            $0.rooms.removeAll { $0 == room }
        }
    }

    public func emitToUser(userId: String, event: String, args: [JSONValue]) {
        record("emitToUser", [.string(userId), .string(event)] + args)
    }

    public func emitToRoom(room: String, event: String, args: [JSONValue]) {
        record("emitToRoom", [.string(room), .string(event)] + args)
    }

    public func broadcastToRoom(room: String, event: String, args: [JSONValue]) {
        record("broadcastToRoom", [.string(room), .string(event)] + args)
    }

    public func emitToGateway(path: String, event: String, args: [JSONValue]) {
        record("emitToGateway", [.string(path), .string(event)] + args)
    }

    public func broadcast(event: String, args: [JSONValue]) { record("broadcast", [.string(event)] + args) }

    public func disconnect(close: Bool) { record("disconnect", close ? [true] : []) }

    public func volatileReply(event: String, args: [JSONValue]) { record("volatile.reply", [.string(event)] + args) }

    public func volatileEmitToRoom(room: String, event: String, args: [JSONValue]) {
        record("volatile.emitToRoom", [.string(room), .string(event)] + args)
    }

    public func signIn(user: JSONValue) { record("signIn", [user]) }

    public func signOut() { record("signOut", []) }

    public func roomSize(room: String) -> Int {
        state.withLock {
            $0.calls.append(RecordedCall(method: "roomSize", args: [.string(room)]))
            return $0.rooms.contains(room) ? 1 : 0
        }
    }

    public func rooms() -> [String] {
        state.withLock {
            $0.calls.append(RecordedCall(method: "rooms", args: []))
            return $0.rooms
        }
    }
}
