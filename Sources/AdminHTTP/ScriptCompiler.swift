import ScriptSandbox

/// Compiles a script under a name of any length.
///
/// Lua cuts chunk names to 59 bytes, and a cut name no longer prefixes its messages, so the sandbox would
/// lose the line number (a deep `handlers/…/events/x.lua` path reports line 1). A long name is compiled under
/// its tail instead, and the full name is put back into the message.
public enum ScriptCompiler {
    /// Lua's `LUA_IDSIZE` (60) less its terminating NUL.
    static let maxChunkNameBytes = 59

    public static func compile(source: String, name: String) throws(ScriptSyntaxError) -> CompiledScript {
        let chunkName = shortened(name)
        do {
            return try CompiledScript.compile(source: source, chunkName: chunkName)
        } catch {
            guard chunkName != name, error.message.hasPrefix(chunkName) else { throw error }
            throw ScriptSyntaxError(message: name + error.message.dropFirst(chunkName.count), line: error.line)
        }
    }

    static func shortened(_ name: String) -> String {
        guard name.utf8.count > maxChunkNameBytes else { return name }
        var tail = Substring(name)
        while tail.utf8.count > maxChunkNameBytes - 3 { tail = tail.dropFirst() }
        return "..." + tail
    }
}
