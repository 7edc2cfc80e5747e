import CLuaShim
import JSONCore

/// The sandbox could not open a Lua state (the process is out of memory).
public struct SandboxStartError: Error, Sendable {}

/// One sandboxed Lua 5.4 state that runs handlers, one at a time, on the thread that owns it.
///
/// Not thread-safe: a state belongs to one thread (``ScriptWorkerPool`` gives each worker thread its own).
/// Each run gets fresh globals over a read-only shared library, so nothing a script does is visible to the
/// next run; after a run hits the time or memory limit the state is closed and reopened anyway.
///
/// ## What handlers see
/// `BODY`, `ARGS`, `EVENT`, `REQUEST_ID`, `GATEWAY`, `USER`, `HANDSHAKE` (see ``HandlerContext``); `SOCKET`
/// (see ``HandlerSocket``; `SOCKET.id`); `LOGS(...)` (one entry per call: the value, or an array of the
/// values, cloned at call time) and `print(...)` (one entry: tostring'd arguments joined by tabs);
/// `JSON.encode`, `JSON.decode`, `JSON.null`, `JSON.array(t)`, `JSON.binary(s)`; `THROW.badRequest(msg
/// [, details])` and the other named statuses, and `THROW(status, msg [, details])` (see
/// ``HandlerErrorCode/init(throwStatus:)``). Libraries: base without `dofile`, `loadfile`, `warn`, `load` of
/// binary chunks, `collectgarbage` other than "count", `__gc` metamethods and writes to shared tables;
/// `string` without `dump`; `table`; `math` without `randomseed`; `utf8`; `coroutine`; `os.time`,
/// `os.clock`, `os.date`. Library tables are read-only (`type` still says "table", `pairs` works).
///
/// ## Lua ⇄ JSON
/// - `JSON.null` is null both ways, so decoded arrays keep their length and objects their keys; `nil`
///   returned at the top level is null too.
/// - Integers stay integers and floats stay floats in both directions (`2.0` is a float, `2` an integer).
///   NaN and ±inf cannot leave the sandbox.
/// - A table whose keys are all positive integers with the largest at most twice the count is an array
///   (holes become null); other integer/string key mixes are objects with decimal integer keys; other key
///   types are refused. An empty table is `{}` unless marked with `JSON.array(t)` (decoded `[]` is marked).
/// - Nesting deeper than 128, cycles, functions, coroutines and foreign userdata are refused
///   (`INVALID_RESULT`); in `LOGS` they become placeholders such as `"<function>"` instead.
/// - Lua strings are bytes; invalid UTF-8 is repaired to U+FFFD on the way out. Binary attachments enter as
///   *binary values*: userdata with `#b` (length), `tostring(b)` (the bytes as a Lua string), `b1 == b2`,
///   `..` with strings; `JSON.binary(s)` makes one from a string. They leave as `.binary` attachments
///   (`JSON.encode` writes them as base64).
/// - Results, each emit's arguments and THROW details are capped at ``HandlerLimits/maxPayloadBytes`` of
///   JSON text (estimated while converting).
public final class LuaSandbox {
    private let bridge = HostBridge()
    private let sandbox: OpaquePointer
    private let watched: WatchedSandbox
    private var chunks: ChunkCache
    /// Longest error message kept from a script (`error(string.rep("x", 1e7))` must not travel).
    private static let maxMessageBytes = 4096

    public init(chunkCacheCapacity: Int = 128) throws(SandboxStartError) {
        let context = Unmanaged.passUnretained(bridge).toOpaque()
        guard let sandbox = clua_sandbox_create(hostEntryPoint, context, HandlerLimits().memoryBytes) else {
            throw SandboxStartError()
        }
        self.sandbox = sandbox
        self.watched = WatchedSandbox(sandbox)
        self.chunks = ChunkCache(capacity: chunkCacheCapacity)
        SandboxWatchdog.shared.register(watched)
    }

    deinit {
        SandboxWatchdog.shared.unregister(watched)
        clua_sandbox_destroy(sandbox)
    }

    /// Bytes the Lua state currently holds (libraries, cached chunks, live garbage).
    public var memoryInUse: Int { clua_sandbox_memory_used(sandbox) }

    /// Runs `script` once and reports what it returned or how it failed; never throws, never traps on
    /// anything the script does.
    public func run(
        _ script: CompiledScript,
        context: HandlerContext,
        socket: any HandlerSocket,
        services: HandlerServices = HandlerServices(),
        limits: HandlerLimits = HandlerLimits()
    ) -> HandlerOutcome {
        let deadline = clua_monotonic_ns() &+ limits.timeoutNanoseconds
        guard let data = services.data else {
            return runNow(script, context: context, socket: socket, services: services, limits: limits, deadline: deadline)
        }
        return data.enclose(deadline: deadline) {
            runNow(script, context: context, socket: socket, services: services, limits: limits, deadline: deadline)
        }
    }

    private func runNow(
        _ script: CompiledScript,
        context: HandlerContext,
        socket: any HandlerSocket,
        services: HandlerServices,
        limits: HandlerLimits,
        deadline: UInt64
    ) -> HandlerOutcome {
        guard let state = reclaimMemory(before: limits) else {
            return .failure(HandlerFailure(code: .serviceUnavailable, message: "the Lua sandbox could not be opened"))
        }
        let run = HandlerRun(socket: socket, services: services, limits: limits, deadline: deadline)
        bridge.run = run
        defer { bridge.run = nil }
        clua_sandbox_set_memory_limit(sandbox, limits.memoryBytes)
        lua_settop(state, 0)

        clua_sandbox_begin_run(sandbox, deadline)
        let status: Int32
        let loadStatus = chunks.push(script, state: state, sandbox: sandbox)
        if loadStatus != LUA_OK {
            status = loadStatus
        } else if prepareEnvironment(state, context: context, socket: socket, handshake: script.mayReadHandshake) {
            status = clua_pcall(state, 0, LUA_MULTRET)
        } else {
            clua_sandbox_end_run(sandbox)
            lua_settop(state, 0)
            return .failure(HandlerFailure(
                code: .scriptMemoryLimit,
                message: "the event does not fit in the handler's memory limit of \(limits.memoryBytes) bytes",
                logs: run.logs))
        }
        clua_sandbox_end_run(sandbox)

        let outcome = keepSocketData(after: conclude(status: status, state: state, run: run), state: state, run: run)
        lua_settop(state, 0)
        if clua_sandbox_memory_exceeded(sandbox) != 0 || clua_sandbox_timed_out(sandbox) != 0 || status == LUA_ERRMEM {
            _ = reopen()
        } else if loadStatus == LUA_OK {
            release(script, state: state)
        }
        return outcome
    }

    /// A run may leave a grown stack or much garbage behind (Lua's emergency collection does not shrink
    /// stacks), which the next run would pay for out of its own cap. Above a quarter of the coming run's
    /// cap, collect fully; if that does not help, start over with a fresh state.
    private func reclaimMemory(before limits: HandlerLimits) -> OpaquePointer? {
        guard let state = clua_sandbox_state(sandbox) else { return reopen() }
        let threshold = max(limits.memoryBytes / 4, 1 << 20)
        guard memoryInUse > threshold else { return state }
        clua_sandbox_lift_cap(sandbox)
        clua_gc_collect(state)
        clua_sandbox_restore_cap(sandbox)
        return memoryInUse > threshold ? reopen() : state
    }

    /// Pushes a fresh `_ENV` with the handler globals (`HANDSHAKE` only if `handshake`) and binds it to the function
    /// on top. False when the context does not fit in the memory budget.
    private func prepareEnvironment(
        _ state: OpaquePointer, context: HandlerContext, socket: any HandlerSocket, handshake: Bool
    ) -> Bool {
        clua_sandbox_lift_cap(sandbox)
        defer { clua_sandbox_restore_cap(sandbox) }
        let pusher = JSONToLua(state: state, sandbox: sandbox)
        clua_push_run_env(state)
        let environment = lua_gettop(state)
        do {
            try pusher.push(.array(context.args))
            lua_rawgeti(state, -1, 1)
            clua_rawsetfield(state, environment, "BODY")
            clua_rawsetfield(state, environment, "ARGS")
            pusher.pushString(context.event)
            clua_rawsetfield(state, environment, "EVENT")
            pusher.pushString(context.requestId)
            clua_rawsetfield(state, environment, "REQUEST_ID")
            pusher.pushString(context.gatewayPath)
            clua_rawsetfield(state, environment, "GATEWAY")
            if let user = context.user {
                try pusher.push(user)
                clua_rawsetfield(state, environment, "USER")
            }
            if handshake {
                try pusher.push(context.handshake)
                clua_rawsetfield(state, environment, "HANDSHAKE")
            }
            clua_push_socket_table(state)
            pusher.pushString(socket.id)
            clua_rawsetfield(state, -2, "id")
            if let data = socket.data {
                try pusher.push(data)
                clua_keep_run_data(state, 0)
            } else {
                lua_createtable(state, 0, 0)
                clua_keep_run_data(state, 1)
            }
            clua_rawsetfield(state, -2, "data")
            clua_rawsetfield(state, environment, "SOCKET")
        } catch {
            return false
        }
        clua_bind_env(state)
        return true
    }

    /// Drops the run's `_ENV` from the cached function so the run's values can be collected.
    private func release(_ script: CompiledScript, state: OpaquePointer) {
        clua_sandbox_lift_cap(sandbox)
        defer { clua_sandbox_restore_cap(sandbox) }
        if chunks.push(script, state: state, sandbox: sandbox) == LUA_OK {
            clua_unbind_env(state)
        }
        lua_settop(state, 0)
    }

    private func reopen() -> OpaquePointer? {
        chunks.removeAll()
        guard clua_sandbox_reset(sandbox) == 0 else { return nil }
        return clua_sandbox_state(sandbox)
    }

    // MARK: Outcome

    /// Hands what the run left in `SOCKET.data` to the socket, unless the run was cut short (timeout, memory: the
    /// previous value stays). A value that is not a table, or whose JSON passes ``HandlerLimits/socketDataBytes``,
    /// is not kept, and a run that otherwise succeeded fails with `INVALID_RESULT`.
    private func keepSocketData(after outcome: HandlerOutcome, state: OpaquePointer, run: HandlerRun) -> HandlerOutcome {
        if case .failure(let failure) = outcome, failure.code == .scriptTimeout || failure.code == .scriptMemoryLimit {
            return outcome
        }
        clua_sandbox_lift_cap(sandbox)
        defer { clua_sandbox_restore_cap(sandbox) }
        // Most handlers never touch SOCKET.data: nothing to convert, nothing to store.
        if clua_socket_data_untouched(state) != 0 { return outcome }
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        clua_push_run_socket(state)
        let stored: Result<JSONValue?, HandlerFailure>
        switch lua_type(state, -1) == LUA_TTABLE ? clua_rawgetfield(state, -1, "data") : LUA_TNIL {
        case LUA_TNIL:
            stored = .success(nil)
        case LUA_TTABLE:
            var reader = LuaToJSON(state: state, budget: run.limits.socketDataBytes)
            do {
                let value = try reader.value(at: -1)
                if let members = value.objectValue {
                    // Not `nil` in a ternary with a JSONValue: that literal would be JSON null.
                    stored = .success(members.isEmpty ? JSONValue?.none : value)
                } else {
                    stored = .failure(Self.invalidSocketData("must be a table with string keys, not an array", run: run))
                }
            } catch {
                let reason = error == .tooLarge
                    ? "is larger than its limit of \(run.limits.socketDataBytes) bytes of JSON" : "cannot be kept: \(error.message)"
                stored = .failure(Self.invalidSocketData(reason, run: run))
            }
        default:
            let typeName = String(cString: lua_typename(state, lua_type(state, -1)))
            stored = .failure(Self.invalidSocketData("must be a table, not a \(typeName)", run: run))
        }
        switch (stored, outcome) {
        case (.success(let data), _):
            run.socket.storeData(data)
            return outcome
        case (.failure(let failure), .success):
            return .failure(failure)
        case (.failure, .failure):
            return outcome
        }
    }

    private static func invalidSocketData(_ reason: String, run: HandlerRun) -> HandlerFailure {
        HandlerFailure(code: .invalidResult, message: "SOCKET.data \(reason); the previous value stays", logs: run.logs)
    }

    private func conclude(status: Int32, state: OpaquePointer, run: HandlerRun) -> HandlerOutcome {
        let limits = run.limits
        if status == LUA_ERRMEM || clua_sandbox_memory_exceeded(sandbox) != 0 {
            return .failure(HandlerFailure(
                code: .scriptMemoryLimit,
                message: "the handler exceeded its memory limit of \(limits.memoryBytes) bytes",
                logs: run.logs))
        }
        if clua_sandbox_timed_out(sandbox) != 0 {
            return .failure(HandlerFailure(
                code: .scriptTimeout,
                message: "the handler exceeded its time limit of \(limits.timeout)",
                logs: run.logs))
        }
        let top = lua_gettop(state)
        guard status == LUA_OK else {
            return .failure(failure(errorAt: top, state: state, run: run))
        }
        guard top >= 1 else { return .success(values: [], logs: run.logs) }
        var reader = LuaToJSON(state: state, budget: limits.maxPayloadBytes)
        do {
            return .success(values: try reader.values(at: 1...top), logs: run.logs)
        } catch {
            return .failure(HandlerFailure(code: .invalidResult, message: "the handler's result: \(error.message)", logs: run.logs))
        }
    }

    /// Classifies the error value a failed run left on the stack.
    private func failure(errorAt index: Int32, state: OpaquePointer, run: HandlerRun) -> HandlerFailure {
        switch lua_type(state, index) {
        case LUA_TSTRING:
            return HandlerFailure(code: .scriptError, message: message(at: index, state: state), logs: run.logs)
        case LUA_TNUMBER:
            var reader = LuaToJSON(state: state, budget: 64)
            let number = (try? reader.value(at: index))?.serialized() ?? "a number"
            return HandlerFailure(code: .scriptError, message: "the handler raised \(number)", logs: run.logs)
        case LUA_TTABLE where clua_is_failure(state, index) != 0:
            return thrownFailure(at: index, state: state, run: run)
        case LUA_TTABLE:
            // A table error that is not from THROW: keep it as details when JSON can carry it.
            var reader = LuaToJSON(state: state, budget: run.limits.maxPayloadBytes)
            return HandlerFailure(
                code: .scriptError, message: "the handler raised a table value (use THROW for structured errors)",
                details: try? reader.value(at: index), logs: run.logs)
        default:
            let typeName = String(cString: lua_typename(state, lua_type(state, index)))
            return HandlerFailure(code: .scriptError, message: "the handler raised a \(typeName) value", logs: run.logs)
        }
    }

    /// A THROW (or a structured error the sandbox raised inside a SOCKET, AUTH or DB call). Fields are re-validated: a script
    /// can catch such an object with pcall and alter it before raising it again.
    private func thrownFailure(at index: Int32, state: OpaquePointer, run: HandlerRun) -> HandlerFailure {
        clua_rawgetfield(state, index, "status")
        let status = lua_isinteger(state, -1) != 0 ? Int(lua_tointegerx(state, -1, nil)) : 500
        clua_rawgetfield(state, index, "code")
        let named = lua_type(state, -1) == LUA_TSTRING ? HandlerErrorCode(rawValue: message(at: -1, state: state)) : nil
        let code = named.flatMap { $0.isRaisedBySandbox && $0.defaultStatus == status ? $0 : nil }
            ?? HandlerErrorCode(throwStatus: status)
        clua_rawgetfield(state, index, "message")
        let text = lua_type(state, -1) == LUA_TSTRING ? message(at: -1, state: state) : code.rawValue
        var details: JSONValue?
        if clua_rawgetfield(state, index, "details") != LUA_TNIL {
            var reader = LuaToJSON(state: state, budget: run.limits.maxPayloadBytes)
            do {
                details = try reader.value(at: -1)
            } catch {
                return HandlerFailure(code: .invalidResult, message: "THROW details: \(error.message)", logs: run.logs)
            }
        }
        let validStatus = (400...599).contains(status) ? status : code.defaultStatus
        return HandlerFailure(code: code, status: validStatus, message: text, details: details, logs: run.logs)
    }

    /// The string at `index`, cut to ``maxMessageBytes``.
    private func message(at index: Int32, state: OpaquePointer) -> String {
        var length = 0
        let bytes = lua_tolstring(state, index, &length)
        let kept = min(length, Self.maxMessageBytes)
        let text = String(decoding: UnsafeRawBufferPointer(start: bytes, count: kept), as: UTF8.self)
        return kept < length ? text + "…" : text
    }
}
