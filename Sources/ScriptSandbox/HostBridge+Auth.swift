import CLuaShim
import JSONCore

/// `AUTH.verify(token)`, `AUTH.sign(claims [, {expiresIn = seconds}])`, `AUTH.hashPassword(password)` and
/// `AUTH.verifyPassword(password, hash)`.
extension HostBridge {
    /// Tokens `AUTH.sign` makes live this long unless told otherwise, and at most this long (ten years).
    static let defaultTokenLifetime = 3600
    static let longestTokenLifetime = 315_360_000

    /// The claims table, or `nil, code, message` (a failure a handler answers, not an error it must catch).
    func verifyToken(_ state: OpaquePointer, _ run: HandlerRun) -> Int32 {
        let result: Result<JSONValue, HandlerAuthFailure>
        if lua_type(state, 1) != LUA_TSTRING {
            result = .failure(HandlerAuthFailure(code: "AUTH_INVALID", message: "the token must be a string"))
        } else if let auth = run.services.auth {
            result = auth.verify(token: identifier(state, at: 1) ?? "")
        } else {
            result = .failure(HandlerAuthFailure(code: "AUTH_INVALID", message: "this server verifies no tokens (no JWT secret configured)"))
        }
        let pusher = JSONToLua(state: state, sandbox: clua_sandbox_of(state))
        switch result {
        case .success(let claims):
            do {
                try pusher.push(claims)
            } catch {
                return CLUA_HOST_OUT_OF_MEMORY
            }
            return 1
        case .failure(let failure):
            lua_pushnil(state)
            pusher.pushString(failure.code)
            pusher.pushString(failure.message)
            return 3
        }
    }

    func signToken(_ state: OpaquePointer, _ run: HandlerRun) -> Int32 {
        guard lua_type(state, 1) == LUA_TTABLE else {
            return raise(state, HandlerFailure(code: .badRequest, message: "AUTH.sign: claims must be a table"))
        }
        var reader = LuaToJSON(state: state, budget: run.limits.maxPayloadBytes)
        let claims: [String: JSONValue]
        var lifetime = Self.defaultTokenLifetime
        do {
            guard let members = try reader.value(at: 1).objectValue else {
                return raise(state, HandlerFailure(code: .badRequest, message: "AUTH.sign: claims must be a table with string keys"))
            }
            claims = members
            if lua_gettop(state) >= 2, lua_type(state, 2) != LUA_TNIL {
                guard let options = try reader.value(at: 2).objectValue else {
                    return raise(state, HandlerFailure(code: .badRequest, message: "AUTH.sign: options must be a table"))
                }
                if let expiresIn = options["expiresIn"] {
                    guard let seconds = expiresIn.intValue, (1...Self.longestTokenLifetime).contains(seconds) else {
                        return raise(state, HandlerFailure(
                            code: .badRequest,
                            message: "AUTH.sign: expiresIn must be an integer of seconds from 1 to \(Self.longestTokenLifetime) (ten years)"))
                    }
                    lifetime = seconds
                }
            }
        } catch {
            return raise(state, HandlerFailure(code: .invalidResult, message: "AUTH.sign: \(error.message)"))
        }
        guard let auth = run.services.auth else {
            return raise(state, HandlerFailure(
                code: .serviceUnavailable, message: "AUTH.sign: this server signs no tokens (no JWT secret configured)"))
        }
        switch auth.sign(claims: claims, expiresIn: lifetime) {
        case .success(let token):
            JSONToLua(state: state, sandbox: clua_sandbox_of(state)).pushString(token)
            return 1
        case .failure(let failure):
            return raise(state, HandlerFailure(
                code: HandlerErrorCode(rawValue: failure.code) ?? .badRequest, message: "AUTH.sign: \(failure.message)"))
        }
    }

    /// Passwords longer than this are refused rather than hashed (a KDF's cost grows with its input).
    static let longestPassword = 4096

    func hashPassword(_ state: OpaquePointer, _ run: HandlerRun) -> Int32 {
        guard let password = bytes(state, at: 1) else {
            return raise(state, HandlerFailure(code: .badRequest, message: "AUTH.hashPassword: the password must be a string"))
        }
        guard password.count <= Self.longestPassword else {
            return raise(state, HandlerFailure(
                code: .badRequest, message: "AUTH.hashPassword: the password is longer than \(Self.longestPassword) bytes"))
        }
        guard let auth = run.services.auth else {
            return raise(state, HandlerFailure(code: .serviceUnavailable, message: "AUTH.hashPassword: this run has no AUTH service"))
        }
        switch auth.hashPassword(password) {
        case .success(let hash):
            JSONToLua(state: state, sandbox: clua_sandbox_of(state)).pushString(hash)
            return 1
        case .failure(let failure):
            return raise(state, HandlerFailure(code: .internalError, message: "AUTH.hashPassword: \(failure.message)"))
        }
    }

    /// true or false; a password or hash that is not a string is simply not a match.
    func verifyPassword(_ state: OpaquePointer, _ run: HandlerRun) -> Int32 {
        guard let auth = run.services.auth else {
            return raise(state, HandlerFailure(code: .serviceUnavailable, message: "AUTH.verifyPassword: this run has no AUTH service"))
        }
        let matches: Bool
        if let password = bytes(state, at: 1), password.count <= Self.longestPassword, lua_type(state, 2) == LUA_TSTRING,
           let hash = identifier(state, at: 2) {
            matches = auth.verifyPassword(password, hash: hash)
        } else {
            matches = false
        }
        lua_pushboolean(state, matches ? 1 : 0)
        return 1
    }

    /// The bytes of the string at `index` (nil when it is not a string).
    private func bytes(_ state: OpaquePointer, at index: Int32) -> [UInt8]? {
        guard lua_type(state, index) == LUA_TSTRING else { return nil }
        var length = 0
        let pointer = lua_tolstring(state, index, &length)
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }
}
