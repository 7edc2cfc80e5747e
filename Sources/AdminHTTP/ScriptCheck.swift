import ScriptSandbox

/// Compiles scripts before they are saved, so the store never holds a handler that cannot run.
///
/// Chunk names follow the `handlers/` folder's file names (`connection.lua`, `<event>.lua`), so an error
/// message reads the same whether the script came from the API or from a file.
enum ScriptCheck {
    static func compile(_ source: String?, field: String, chunkName: String) throws(AdminError) {
        guard let source else { return }
        do {
            _ = try CompiledScript.compile(source: source, chunkName: chunkName)
        } catch {
            throw AdminError(syntaxError: error, field: field)
        }
    }
}
