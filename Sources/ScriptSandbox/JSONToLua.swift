import CLuaShim
import JSONCore

/// Pushing stopped: the state's memory budget ran out, or the value nests too deeply for the Lua stack.
struct LuaPushFailure: Error {}

/// Pushes ``JSONValue``s onto a sandboxed Lua stack, following the rules of ``LuaToJSON`` in reverse:
/// null → `JSON.null` (so arrays keep their length and objects their keys), `.int` → integer,
/// `.double` → float, objects → tables with string keys, arrays → sequences (an empty one is marked
/// with `JSON.array` so it goes back out as `[]`), `.binary` → a binary value.
///
/// Callers lift the allocator cap first (an allocation failure would raise across Swift frames); this
/// type polices the budget itself and stops with ``LuaPushFailure`` once the state is over it.
struct JSONToLua {
    let state: OpaquePointer
    let sandbox: OpaquePointer

    func push(_ value: JSONValue) throws(LuaPushFailure) {
        try push(value, depth: 0)
    }

    private func push(_ value: JSONValue, depth: Int) throws(LuaPushFailure) {
        switch value {
        case .null:
            clua_push_null(state)
        case .bool(let flag):
            lua_pushboolean(state, flag ? 1 : 0)
        case .int(let integer):
            lua_pushinteger(state, lua_Integer(integer))
        case .double(let number):
            lua_pushnumber(state, number)
        case .string(let text):
            pushString(text)
        case .binary(let bytes):
            bytes.withUnsafeBytes { clua_push_binary(state, $0.baseAddress, $0.count) }
        case .array(let items):
            try reserve(depth: depth)
            lua_createtable(state, Int32(clamping: items.count), 0)
            if items.isEmpty { clua_mark_array(state, -1) }
            for (offset, item) in items.enumerated() {
                try push(item, depth: depth + 1)
                lua_rawseti(state, -2, lua_Integer(offset + 1))
            }
        case .object(let members):
            try reserve(depth: depth)
            lua_createtable(state, 0, Int32(clamping: members.count))
            for (key, member) in members {
                pushString(key)
                try push(member, depth: depth + 1)
                lua_rawset(state, -3)
            }
        }
        if clua_sandbox_over_budget(sandbox) != 0 { throw LuaPushFailure() }
    }

    /// Room for one more container level (and its key and value); deeper than Lua's C stack allows fails.
    private func reserve(depth: Int) throws(LuaPushFailure) {
        guard depth <= LuaToJSON.maxDepth * 2, lua_checkstack(state, 3) != 0 else { throw LuaPushFailure() }
    }

    func pushString(_ text: String) {
        var text = text
        _ = text.withUTF8 { lua_pushlstring(state, $0.baseAddress, $0.count) }
    }
}
