import Persistence

/// Stands in for the Lua sandbox's compiler: a script "does not compile" when a line contains `!!`.
struct FakeCompileError: Error, Equatable {
    let chunkName: String
    let line: Int
}

enum FakeCompiler {
    static let validate: ScriptValidator = { source, chunkName in
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        if let index = lines.firstIndex(where: { $0.contains("!!") }) {
            throw FakeCompileError(chunkName: chunkName, line: index + 1)
        }
    }
}
