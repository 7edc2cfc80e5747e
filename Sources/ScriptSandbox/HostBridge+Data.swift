import CLuaShim
import JSONCore

/// `DB.<collection>.<method>{...}` and `DB.transaction(fn)`.
extension HostBridge {
    /// The most JSON text one DB call may carry in (a document is at most 1 MiB; the store says so precisely).
    static let maxDataCallBytes = (1 << 20) + (64 << 10)

    private static func action(of operation: clua_host_op) -> HandlerDataCall.Action {
        switch operation {
        case CLUA_OP_DB_FIND: .find
        case CLUA_OP_DB_FIND_ONE: .findOne
        case CLUA_OP_DB_COUNT: .count
        case CLUA_OP_DB_CREATE: .create
        case CLUA_OP_DB_UPDATE: .update
        case CLUA_OP_DB_REPLACE: .replace
        default: .delete
        }
    }

    /// Argument 1 is the collection's name (put there by the C method), argument 2 the script's table.
    func collection(_ state: OpaquePointer, _ run: HandlerRun, _ operation: clua_host_op) -> Int32 {
        let action = Self.action(of: operation)
        let name = identifier(state, at: 1) ?? ""
        guard let data = run.services.data else {
            return raise(state, HandlerFailure(code: .serviceUnavailable, message: "DB.\(name).\(action.rawValue): this run has no data store"))
        }
        var arguments = JSONValue.object([:])
        switch lua_type(state, 2) {
        case LUA_TNONE, LUA_TNIL:
            break
        case LUA_TTABLE:
            var reader = LuaToJSON(state: state, budget: Self.maxDataCallBytes)
            do {
                arguments = try reader.value(at: 2)
            } catch {
                let code: HandlerErrorCode = error == .tooLarge ? .payloadTooLarge : .badRequest
                return raise(state, HandlerFailure(code: code, message: "DB.\(name).\(action.rawValue): \(error.message)"))
            }
        default:
            let typeName = String(cString: lua_typename(state, lua_type(state, 2)))
            return raise(state, HandlerFailure(
                code: .badRequest, message: "DB.\(name).\(action.rawValue) expects a table of arguments, not a \(typeName)"))
        }
        let call = HandlerDataCall(collection: name, action: action, arguments: arguments)
        switch data.perform(call, deadline: run.deadline) {
        case .success(nil):
            lua_pushnil(state)
            return 1
        case .success(let value?):
            do {
                try JSONToLua(state: state, sandbox: clua_sandbox_of(state)).push(value)
            } catch {
                return CLUA_HOST_OUT_OF_MEMORY
            }
            return 1
        case .failure(let failure):
            var failure = failure
            failure.message = "DB.\(name).\(action.rawValue): \(failure.message)"
            return raise(state, failure)
        }
    }

    /// Runs the function at index 1 inside a transaction; its results are the call's. An error inside rolls
    /// back and is raised again unchanged (a THROW keeps its code; a timeout stays a timeout).
    func transaction(_ state: OpaquePointer, _ run: HandlerRun) -> Int32 {
        guard let data = run.services.data else {
            return raise(state, HandlerFailure(code: .serviceUnavailable, message: "DB.transaction: this run has no data store"))
        }
        var status = LUA_OK
        let failure = data.transaction(deadline: run.deadline) {
            lua_settop(state, 1)
            lua_pushvalue(state, 1)
            status = clua_host_pcall(state)
            return status == LUA_OK
        }
        guard status == LUA_OK else { return CLUA_HOST_ERROR }
        if var failure {
            // The function's results are not returned: drop them, so raising has the stack room it is owed.
            lua_settop(state, 1)
            failure.message = "DB.transaction: \(failure.message)"
            return raise(state, failure)
        }
        return lua_gettop(state) - 1
    }
}
