import CLuaShim
import JSONCore

/// The Swift side of the functions Lua calls into: `LOGS`, `print`, `JSON.encode/decode`, `SOCKET.*`, and (in
/// their own files) `AUTH.*` and `DB.*`.
///
/// Entered through ``hostEntryPoint`` from the C trampoline, which lifts the allocator cap while Swift
/// pushes and raises any error Swift reports after Swift has returned: nothing here may raise a Lua error.
final class HostBridge {
    /// The run in progress; nil between runs.
    var run: HandlerRun?

    func call(_ state: OpaquePointer, op: Int32) -> Int32 {
        guard let run else { return raise(state, "SOCKET, LOGS, JSON, AUTH and DB are only available while a handler runs") }
        let operation = clua_host_op(rawValue: UInt32(bitPattern: op))
        switch operation {
        case CLUA_OP_LOGS: return logs(state, run)
        case CLUA_OP_PRINT: return printed(state, run)
        case CLUA_OP_JSON_ENCODE: return encode(state, run)
        case CLUA_OP_JSON_DECODE: return decode(state)
        case CLUA_OP_AUTH_VERIFY: return verifyToken(state, run)
        case CLUA_OP_AUTH_SIGN: return signToken(state, run)
        case CLUA_OP_AUTH_HASH_PASSWORD: return hashPassword(state, run)
        case CLUA_OP_AUTH_VERIFY_PASSWORD: return verifyPassword(state, run)
        case CLUA_OP_DB_TRANSACTION: return transaction(state, run)
        case CLUA_OP_DB_FIND, CLUA_OP_DB_FIND_ONE, CLUA_OP_DB_COUNT, CLUA_OP_DB_CREATE, CLUA_OP_DB_UPDATE,
             CLUA_OP_DB_REPLACE, CLUA_OP_DB_DELETE:
            return collection(state, run, operation)
        default: return socket(state, run, operation)
        }
    }

    // MARK: Logs

    private func logs(_ state: OpaquePointer, _ run: HandlerRun) -> Int32 {
        guard run.acceptsLogs else { return 0 }
        let count = lua_gettop(state)
        var reader = LuaToJSON(state: state, lenient: true, budget: run.logBudget)
        do {
            let values = count == 0 ? [] : try reader.values(at: 1...count)
            run.appendLog(values.count == 1 ? values[0] : .array(values), bytes: run.logBudget - reader.remainingBytes)
        } catch {
            run.truncateLogs()
        }
        return 0
    }

    /// `print(...)`: the C side already joined the tostring'd arguments into the string at index 1.
    private func printed(_ state: OpaquePointer, _ run: HandlerRun) -> Int32 {
        guard run.acceptsLogs else { return 0 }
        var length = 0
        let bytes = lua_tolstring(state, 1, &length)
        guard length + 2 <= run.logBudget else {
            run.truncateLogs()
            return 0
        }
        run.appendLog(.string(String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)), bytes: length + 2)
        return 0
    }

    // MARK: JSON

    private func encode(_ state: OpaquePointer, _ run: HandlerRun) -> Int32 {
        var reader = LuaToJSON(state: state, budget: run.limits.maxPayloadBytes)
        do {
            let value = try reader.value(at: 1)
            JSONToLua(state: state, sandbox: clua_sandbox_of(state)).pushString(value.serialized())
            return 1
        } catch {
            return raise(state, "JSON.encode: \(error.message)")
        }
    }

    private func decode(_ state: OpaquePointer) -> Int32 {
        guard lua_type(state, 1) == LUA_TSTRING else { return raise(state, "JSON.decode expects a string") }
        var length = 0
        let bytes = lua_tolstring(state, 1, &length)
        let value: JSONValue
        do {
            value = try JSONValue(parsing: UnsafeRawBufferPointer(start: bytes, count: length))
        } catch {
            return raise(state, "JSON.decode: \(error.description)")
        }
        do {
            try JSONToLua(state: state, sandbox: clua_sandbox_of(state)).push(value)
            return 1
        } catch {
            return CLUA_HOST_OUT_OF_MEMORY
        }
    }

    // MARK: SOCKET

    /// The Lua name of each SOCKET function and the names of its leading string parameters.
    private static func signature(of operation: clua_host_op) -> (name: String, parameters: [String]) {
        switch operation {
        case CLUA_OP_REPLY: ("reply", ["event"])
        case CLUA_OP_JOIN: ("join", ["room"])
        case CLUA_OP_LEAVE: ("leave", ["room"])
        case CLUA_OP_EMIT_TO_USER: ("emitToUser", ["userId", "event"])
        case CLUA_OP_EMIT_TO_ROOM: ("emitToRoom", ["room", "event"])
        case CLUA_OP_BROADCAST_TO_ROOM: ("broadcastToRoom", ["room", "event"])
        case CLUA_OP_EMIT_TO_GATEWAY: ("emitToGateway", ["path", "event"])
        case CLUA_OP_BROADCAST: ("broadcast", ["event"])
        case CLUA_OP_DISCONNECT: ("disconnect", [])
        case CLUA_OP_VOLATILE_REPLY: ("volatile.reply", ["event"])
        case CLUA_OP_VOLATILE_EMIT_TO_ROOM: ("volatile.emitToRoom", ["room", "event"])
        case CLUA_OP_ROOM_SIZE: ("roomSize", ["room"])
        case CLUA_OP_SIGN_IN: ("signIn", [])
        case CLUA_OP_SIGN_OUT: ("signOut", [])
        default: ("rooms", [])
        }
    }

    private static let emitOperations: [clua_host_op] = [
        CLUA_OP_EMIT_TO_USER, CLUA_OP_EMIT_TO_ROOM, CLUA_OP_EMIT_TO_GATEWAY, CLUA_OP_BROADCAST,
    ]

    private func socket(_ state: OpaquePointer, _ run: HandlerRun, _ operation: clua_host_op) -> Int32 {
        let (name, parameters) = Self.signature(of: operation)
        if run.socket.onlyEmits, !Self.emitOperations.contains(operation) {
            return raise(state, "SOCKET.\(name) is not available here: this SOCKET is no connection, only emitToUser, emitToRoom, emitToGateway and broadcast work")
        }
        guard run.admitSocketCall() else {
            return raise(state, "SOCKET.\(name): the handler made more than \(run.limits.maxSocketCalls) SOCKET calls")
        }
        var strings: [String] = []
        for (offset, parameter) in parameters.enumerated() {
            guard let text = identifier(state, at: Int32(offset + 1)) else {
                return raise(state, "SOCKET.\(name): \(parameter) must be a string")
            }
            // Room names with a NUL byte are the server's own (a user's sockets are one such room).
            if parameter == "room", text.utf8.contains(0) {
                return raise(state, HandlerFailure(code: .badRequest, message: "SOCKET.\(name): room must not contain a NUL byte"))
            }
            strings.append(text)
        }
        var payload: [JSONValue] = []
        let firstPayload = Int32(parameters.count + 1)
        if lua_gettop(state) >= firstPayload {
            var reader = LuaToJSON(state: state, budget: run.limits.maxPayloadBytes)
            do {
                payload = try reader.values(at: firstPayload...lua_gettop(state))
            } catch {
                return raise(state, HandlerFailure(code: .invalidResult, message: "SOCKET.\(name): \(error.message)"))
            }
        }
        let socket = run.socket
        switch operation {
        case CLUA_OP_REPLY: socket.reply(event: strings[0], args: payload)
        case CLUA_OP_JOIN: socket.join(room: strings[0])
        case CLUA_OP_LEAVE: socket.leave(room: strings[0])
        case CLUA_OP_EMIT_TO_USER: socket.emitToUser(userId: strings[0], event: strings[1], args: payload)
        case CLUA_OP_EMIT_TO_ROOM: socket.emitToRoom(room: strings[0], event: strings[1], args: payload)
        case CLUA_OP_BROADCAST_TO_ROOM: socket.broadcastToRoom(room: strings[0], event: strings[1], args: payload)
        case CLUA_OP_EMIT_TO_GATEWAY: socket.emitToGateway(path: strings[0], event: strings[1], args: payload)
        case CLUA_OP_BROADCAST: socket.broadcast(event: strings[0], args: payload)
        case CLUA_OP_DISCONNECT: socket.disconnect(close: payload.first == .bool(true))
        case CLUA_OP_VOLATILE_REPLY: socket.volatileReply(event: strings[0], args: payload)
        case CLUA_OP_VOLATILE_EMIT_TO_ROOM: socket.volatileEmitToRoom(room: strings[0], event: strings[1], args: payload)
        case CLUA_OP_SIGN_IN:
            guard let claims = payload.first?.objectValue, let user = HandlerUser.from(claims: claims) else {
                return raise(state, "SOCKET.signIn: claims must be a table with an id (or sub) that is a string or an integer")
            }
            socket.signIn(user: user)
        case CLUA_OP_SIGN_OUT: socket.signOut()
        case CLUA_OP_ROOM_SIZE:
            lua_pushinteger(state, lua_Integer(socket.roomSize(room: strings[0])))
            return 1
        default:
            do {
                try JSONToLua(state: state, sandbox: clua_sandbox_of(state)).push(.array(socket.rooms().map(JSONValue.string)))
                return 1
            } catch {
                return CLUA_HOST_OUT_OF_MEMORY
            }
        }
        return 0
    }

    /// A string argument; integers are accepted too (user ids are often numbers) and written in decimal.
    func identifier(_ state: OpaquePointer, at index: Int32) -> String? {
        switch lua_type(state, index) {
        case LUA_TSTRING:
            var length = 0
            let bytes = lua_tolstring(state, index, &length)
            return String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
        case LUA_TNUMBER where lua_isinteger(state, index) != 0:
            return String(lua_tointegerx(state, index, nil))
        default:
            return nil
        }
    }

    // MARK: Errors

    /// `chunkname:line: ` of the Lua code that called the host function (empty when unknown).
    func location(_ state: OpaquePointer) -> String {
        luaL_where(state, 1)
        var length = 0
        let bytes = lua_tolstring(state, -1, &length)
        let text = String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
        lua_settop(state, -2)
        return text
    }

    /// Pushes a Lua error message (with the caller's location) for the trampoline to raise.
    func raise(_ state: OpaquePointer, _ message: String) -> Int32 {
        JSONToLua(state: state, sandbox: clua_sandbox_of(state)).pushString(location(state) + message)
        return CLUA_HOST_ERROR
    }

    /// Raises `failure` as a structured error (what THROW raises), its message prefixed with the caller's location.
    func raise(_ state: OpaquePointer, _ failure: HandlerFailure) -> Int32 {
        clua_push_failure(state, Int32(failure.status), failure.code.rawValue, location(state) + failure.message)
        return CLUA_HOST_ERROR
    }
}

/// The C-callable entry point the sandbox is created with; its context is the sandbox's ``HostBridge``.
let hostEntryPoint: clua_host_fn = { state, op in
    guard let state, let context = clua_sandbox_host_context(state) else { return CLUA_HOST_ERROR }
    return Unmanaged<HostBridge>.fromOpaque(context).takeUnretainedValue().call(state, op: op)
}
