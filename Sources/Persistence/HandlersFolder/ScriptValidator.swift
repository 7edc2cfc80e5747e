/// Compiles a script without running it and throws when it does not compile.
///
/// Persistence cannot depend on the Lua sandbox, so whoever syncs the `handlers/` folder passes this in.
/// `chunkName` is the script's file path, for the compiler to use in its messages. The thrown error is kept
/// unchanged in `HandlersFolderError.underlying`; when it conforms to `ScriptCompileFailure`, its message and
/// line also become the sync error's own.
public typealias ScriptValidator = @Sendable (_ source: String, _ chunkName: String) throws -> Void

/// What a compiler error can tell about itself. The sandbox's syntax error has exactly these members, so the
/// code that builds the validator conforms it with `extension ScriptSyntaxError: @retroactive ScriptCompileFailure {}`.
public protocol ScriptCompileFailure: Error {
    /// The compiler's message, usually starting with `chunkName:line:`.
    var message: String { get }
    /// 1-based line of the failure.
    var line: Int { get }
}
