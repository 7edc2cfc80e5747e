import CLuaShim

/// The loaded functions of recently run scripts in one Lua state, by ``CompiledScript/id``, least
/// recently used evicted first. Each function is kept in the registry; runs swap its `_ENV` upvalue.
struct ChunkCache {
    /// A class, so a hit updates `lastUse` without mutating the dictionary: a mutation through its subscript is a
    /// `modify` coroutine whose frame is heap-allocated, three allocations per lookup and two lookups per run.
    private final class Entry {
        let reference: Int32
        var lastUse: UInt64

        init(reference: Int32, lastUse: UInt64) {
            self.reference = reference
            self.lastUse = lastUse
        }
    }

    let capacity: Int
    private var entries: [UInt64: Entry] = [:]
    private var clock: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Pushes the script's function, loading it on a miss. On failure pushes the error message instead and
    /// returns Lua's status (`LUA_ERRMEM` when the memory cap refused the load).
    mutating func push(_ script: CompiledScript, state: OpaquePointer, sandbox: OpaquePointer) -> Int32 {
        clock += 1
        if let entry = entries[script.id] {
            entry.lastUse = clock
            lua_rawgeti(state, CLUA_REGISTRYINDEX, lua_Integer(entry.reference))
            return LUA_OK
        }
        var source = script.source
        let status = source.withUTF8 { clua_load_text(state, $0.baseAddress, $0.count, "=" + script.luaChunkName) }
        guard status == LUA_OK else { return status }
        if entries.count >= capacity { evictLeastRecentlyUsed(state: state) }
        clua_sandbox_lift_cap(sandbox)
        lua_pushvalue(state, -1)
        let reference = luaL_ref(state, CLUA_REGISTRYINDEX)
        clua_sandbox_restore_cap(sandbox)
        entries[script.id] = Entry(reference: reference, lastUse: clock)
        return LUA_OK
    }

    private mutating func evictLeastRecentlyUsed(state: OpaquePointer) {
        guard let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) else { return }
        luaL_unref(state, CLUA_REGISTRYINDEX, oldest.value.reference)
        entries[oldest.key] = nil
    }

    /// Forgets every entry (the state they lived in was closed).
    mutating func removeAll() {
        entries.removeAll()
    }
}
