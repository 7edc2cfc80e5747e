import CLuaShim
import Synchronization

/// A handler script that is known to compile, with the identity workers cache its loaded chunk under.
///
/// Compile once per script version (each compile gets a new ``id``) and run it many times; a worker
/// parses the text once per Lua state and reuses the function until its cache evicts it. Only text is
/// accepted: binary (precompiled) chunks are refused here and by `load` inside handlers.
public struct CompiledScript: Sendable, Hashable {
    /// Unique per compile in this process; the cache key.
    public let id: UInt64
    public let source: String
    /// The name errors show before the line number, e.g. `message.lua` → `message.lua:2: ...`.
    public let chunkName: String
    /// The name Lua itself is given. Lua cuts chunk names to 59 bytes and a cut name no longer prefixes
    /// its messages, which would lose the line number; a longer name is handed to Lua as `...<tail>`, so
    /// runtime errors of a deep `handlers/…/events/x.lua` read `...events/x.lua:3: ...`.
    let luaChunkName: String
    /// Whether a run may read `HANDSHAKE`: the script names it, or could reach a global by a computed name (`_G`,
    /// `_ENV`, `load`). A run of any other script is not given it, which saves converting the whole handshake
    /// (headers, query, auth) into Lua on every event.
    public let mayReadHandshake: Bool
    /// Whether a run may call `DB`, by the same test as ``mayReadHandshake``: the host gives the runs of any other
    /// script no collection services, which saves building them for every event.
    public let mayUseData: Bool

    /// Lua's `LUA_IDSIZE` (60) less its terminating NUL.
    static let maxLuaChunkNameBytes = 59

    private static let nextID = Atomic<UInt64>(1)

    /// Checks that `source` is a Lua 5.4 text chunk that compiles.
    public static func compile(source: String, chunkName: String) throws(ScriptSyntaxError) -> CompiledScript {
        if source.utf8.first == 0x1B {
            throw ScriptSyntaxError(message: "\(chunkName): binary chunks are not accepted, send the script's text", line: 1)
        }
        let luaChunkName = shortened(chunkName)
        var text = source
        let failure: String? = text.withUTF8 { buffer in
            var message = [CChar](repeating: 0, count: 1024)
            let failed = clua_check_syntax(buffer.baseAddress, buffer.count, "=" + luaChunkName, &message, message.count)
            return failed == 0 ? nil : String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        if let failure {
            let line = ScriptSyntaxError.line(in: failure, chunkName: luaChunkName)
            // Syntax errors are reported under the full name again.
            let message = failure.hasPrefix(luaChunkName) ? chunkName + failure.dropFirst(luaChunkName.count) : failure
            throw ScriptSyntaxError(message: message, line: line)
        }
        return CompiledScript(
            id: nextID.wrappingAdd(1, ordering: .relaxed).oldValue, source: source, chunkName: chunkName,
            luaChunkName: luaChunkName,
            mayReadHandshake: mayName("HANDSHAKE", in: source), mayUseData: mayName("DB", in: source))
    }

    /// Whether `source` names the global `name`, or could reach any global by a computed name.
    private static func mayName(_ name: String, in source: String) -> Bool {
        [name, "_G", "_ENV", "load"].contains { source.contains($0) }
    }

    /// `name`, or `...` and as much of its tail as Lua keeps.
    static func shortened(_ name: String) -> String {
        guard name.utf8.count > maxLuaChunkNameBytes else { return name }
        var tail = Substring(name)
        while tail.utf8.count > maxLuaChunkNameBytes - 3 { tail = tail.dropFirst() }
        return "..." + tail
    }
}

/// Why a script does not compile; the admin API answers 422 `{code: "SCRIPT_SYNTAX_ERROR", message, line}`.
public struct ScriptSyntaxError: Error, Sendable, Equatable {
    public static let code = "SCRIPT_SYNTAX_ERROR"

    /// Lua's message, with its `chunkname:line:` prefix.
    public var message: String
    /// 1-based line of the error.
    public var line: Int

    public init(message: String, line: Int) {
        self.message = message
        self.line = line
    }

    /// The line number in a `chunkname:line: ...` message (1 when there is none).
    static func line(in message: String, chunkName: String) -> Int {
        let prefix = chunkName + ":"
        guard message.hasPrefix(prefix) else { return 1 }
        let digits = message.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
        return Int(digits) ?? 1
    }
}
