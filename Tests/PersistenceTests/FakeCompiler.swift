import Persistence

/// Stands in for the Lua sandbox's syntax error, which has the same `message` and `line`.
struct FakeCompileError: ScriptCompileFailure, Equatable {
    let message: String
    let line: Int
}

/// Stands in for the Lua sandbox's compiler: a script "does not compile" when a line contains `!!`.
enum FakeCompiler {
    static let validate: ScriptValidator = { source, chunkName in
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        if let index = lines.firstIndex(where: { $0.contains("!!") }) {
            throw FakeCompileError(message: "\(chunkName):\(index + 1): unexpected symbol near '!'", line: index + 1)
        }
    }
}
