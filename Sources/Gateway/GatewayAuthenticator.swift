import Foundation
import JSONCore
import ScriptSandbox
import SocketIO

/// Verifies users' JWTs (HS256 only, see ``HS256Token``) and turns their claims into `USER`; as ``HandlerAuth``, the
/// same rules serve `AUTH.verify` and `AUTH.sign`.
///
/// The token is taken, in this order, from the CONNECT auth payload's `token`, an `Authorization: Bearer`
/// header, the `accessToken` cookie, or the `token` query parameter (socket.io 2.x clients have no auth
/// payload). A token is verified wherever it is presented, so a bad one is refused even on a gateway that
/// does not require authentication. Without a configured secret nothing can be verified: tokens are then
/// ignored on open gateways and refused on gateways that require authentication.
public struct GatewayAuthenticator: HandlerAuth {
    /// HS256 keys shorter than the hash output are guessable.
    public static let minimumSecretBytes = 32

    /// The configured secret is too short to be a safe HS256 key.
    public struct WeakSecret: Error, Sendable, CustomStringConvertible {
        public var byteCount: Int
        public var description: String {
            "the JWT secret must be at least \(GatewayAuthenticator.minimumSecretBytes) bytes, got \(byteCount)"
        }
    }

    private let tokens: HS256Token?

    /// `secret` nil: no token can be verified or signed.
    public init(secret: String?) throws(WeakSecret) {
        guard let secret else {
            tokens = nil
            return
        }
        guard secret.utf8.count >= Self.minimumSecretBytes else { throw WeakSecret(byteCount: secret.utf8.count) }
        tokens = HS256Token(secret: secret)
    }

    /// `USER` for a connecting socket (nil: anonymous), or the refusal to answer its CONNECT with.
    func user(for handshake: Handshake, requireAuth: Bool) throws(ConnectionRefusal) -> JSONValue? {
        guard let token = Self.token(in: handshake) else {
            guard !requireAuth else { throw Self.refusal(.authRequired, "an access token is required") }
            return nil
        }
        guard tokens != nil else {
            guard !requireAuth else { throw Self.refusal(.authInvalid, "this server verifies no tokens (no JWT secret configured)") }
            return nil
        }
        switch verify(token: token) {
        case .success(let user): return user
        case .failure(let failure): throw ConnectionRefusal(message: failure.message, data: ["code": .string(failure.code)])
        }
    }

    // MARK: AUTH

    /// `USER` for `token` (claims with `id` from `sub`), or `AUTH_EXPIRED` / `AUTH_INVALID`.
    public func verify(token: String) -> Result<JSONValue, HandlerAuthFailure> {
        guard let tokens else {
            return .failure(HandlerAuthFailure(
                code: GatewayErrorCode.authInvalid.rawValue, message: "this server verifies no tokens (no JWT secret configured)"))
        }
        let claims: [String: JSONValue]
        switch tokens.verify(token) {
        case .success(let verified): claims = verified
        case .failure(let refusal): return .failure(Self.failure(refusal))
        }
        guard let user = HandlerUser.from(claims: claims) else { return .failure(Self.failure(.noSubject)) }
        return .success(user)
    }

    public func sign(claims: [String: JSONValue], expiresIn seconds: Int) -> Result<String, HandlerAuthFailure> {
        guard let tokens else {
            return .failure(HandlerAuthFailure(code: "SERVICE_UNAVAILABLE", message: "this server signs no tokens (no JWT secret configured)"))
        }
        return tokens.sign(claims, lifetime: seconds).mapError {
            HandlerAuthFailure(code: "BAD_REQUEST", message: $0 == .noSubject ? "claims need a sub (or id) that is a string or an integer" : $0.message)
        }
    }

    public func hashPassword(_ password: [UInt8]) -> Result<String, HandlerAuthFailure> {
        PasswordHash.make(password).map { .success($0) }
            ?? .failure(HandlerAuthFailure(code: "INTERNAL_ERROR", message: "the password could not be hashed"))
    }

    public func verifyPassword(_ password: [UInt8], hash: String) -> Bool {
        PasswordHash.verify(password, against: hash)
    }

    private static func failure(_ refusal: HS256Token.Refusal) -> HandlerAuthFailure {
        let code: GatewayErrorCode = refusal == .expired ? .authExpired : .authInvalid
        return HandlerAuthFailure(code: code.rawValue, message: refusal.message)
    }

    /// The token a client presented, wherever it put it.
    static func token(in handshake: Handshake) -> String? {
        if let token = handshake.auth["token"]?.stringValue, !token.isEmpty { return token }
        if let header = handshake.headers["authorization"] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                if !token.isEmpty { return token }
            }
        }
        if let cookies = handshake.headers["cookie"] {
            for cookie in cookies.split(separator: ";") {
                let pair = cookie.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == "accessToken" {
                    let value = String(pair[1]).trimmingCharacters(in: .whitespaces)
                    if !value.isEmpty { return value.removingPercentEncoding ?? value }
                }
            }
        }
        if let token = handshake.query["token"], !token.isEmpty { return token }
        return nil
    }

    static func refusal(_ code: GatewayErrorCode, _ message: String) -> ConnectionRefusal {
        ConnectionRefusal(message: message, data: ["code": .string(code.rawValue)])
    }
}
