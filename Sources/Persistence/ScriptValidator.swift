/// Compiles a script without running it and throws when it does not compile.
///
/// Persistence cannot depend on the Lua sandbox, so whoever syncs the `handlers/` folder passes this in.
/// `chunkName` is the script's file path, for the sandbox to use in its messages; the thrown error should
/// carry the compiler's message and line, and is surfaced unchanged in `HandlersFolderError.underlying`.
public typealias ScriptValidator = @Sendable (_ source: String, _ chunkName: String) throws -> Void
