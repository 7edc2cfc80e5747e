import JSONCore

/// What `AUTH` does, seen from Swift: the daemon's token rules, so that a handler signing users in checks
/// tokens exactly as the handshake does. Called synchronously on the Lua worker thread.
public protocol HandlerAuth: Sendable {
    /// `AUTH.verify(token)`: the claims as `USER` has them (with `id`), or why the token is refused.
    func verify(token: String) -> Result<JSONValue, HandlerAuthFailure>
    /// `AUTH.sign(claims, {expiresIn = seconds})`: a token the daemon will accept.
    func sign(claims: [String: JSONValue], expiresIn seconds: Int) -> Result<String, HandlerAuthFailure>
    /// `AUTH.hashPassword(password)`: a salted, deliberately slow hash to store instead of the password.
    func hashPassword(_ password: [UInt8]) -> Result<String, HandlerAuthFailure>
    /// `AUTH.verifyPassword(password, hash)`: whether `password` is the one `hash` was made from (false for a hash
    /// that is not one of ours).
    func verifyPassword(_ password: [UInt8], hash: String) -> Bool
}

/// Why a token was refused or could not be made; `code` is what `AUTH.verify` returns as its second value.
public struct HandlerAuthFailure: Error, Sendable, Equatable {
    /// `AUTH_INVALID`, `AUTH_EXPIRED`, or `BAD_REQUEST` (claims `AUTH.sign` cannot sign).
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
