import Foundation
import JSONCore
import JWTKit
import ScriptSandbox
import SocketIO

/// Verifies users' JWTs (HS256 only) and turns their claims into `USER`.
///
/// The token is taken, in this order, from the CONNECT auth payload's `token`, an `Authorization: Bearer`
/// header, the `accessToken` cookie, or the `token` query parameter (socket.io 2.x clients have no auth
/// payload). A token is verified wherever it is presented, so a bad one is refused even on a gateway that
/// does not require authentication. Without a configured secret nothing can be verified: tokens are then
/// ignored on open gateways and refused on gateways that require authentication.
public struct GatewayAuthenticator: Sendable {
    /// HS256 keys shorter than the hash output are guessable, and jwt-kit asserts on them.
    public static let minimumSecretBytes = 32

    /// The configured secret is too short to be a safe HS256 key.
    public struct WeakSecret: Error, Sendable, CustomStringConvertible {
        public var byteCount: Int
        public var description: String {
            "the JWT secret must be at least \(GatewayAuthenticator.minimumSecretBytes) bytes, got \(byteCount)"
        }
    }

    private let keys: JWTKeyCollection?

    /// `secret` nil: no token can be verified.
    public init(secret: String?) async throws(WeakSecret) {
        guard let secret else {
            keys = nil
            return
        }
        guard secret.utf8.count >= Self.minimumSecretBytes else { throw WeakSecret(byteCount: secret.utf8.count) }
        keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// `USER` for a connecting socket (nil: anonymous), or the refusal to answer its CONNECT with.
    func user(for handshake: Handshake, requireAuth: Bool) async throws(ConnectionRefusal) -> JSONValue? {
        guard let token = Self.token(in: handshake) else {
            guard !requireAuth else { throw Self.refusal(.authRequired, "an access token is required") }
            return nil
        }
        guard let keys else {
            guard !requireAuth else { throw Self.refusal(.authInvalid, "this server verifies no tokens (no JWT secret configured)") }
            return nil
        }
        return try await Self.verify(token, keys: keys)
    }

    static func verify(_ token: String, keys: JWTKeyCollection) async throws(ConnectionRefusal) -> JSONValue {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3, let header = decodeSegment(segments[0]), case .object(let claims)? = decodeSegment(segments[1]) else {
            throw refusal(.authInvalid, "the access token is malformed")
        }
        // Pinned: jwt-kit would use the only key it has whatever the header claims.
        guard header["alg"]?.stringValue == "HS256" else { throw refusal(.authInvalid, "the access token must be signed with HS256") }
        do {
            _ = try await keys.verify(token, as: TokenTimeClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw refusal(.authInvalid, "the access token is expired or not yet valid")
        } catch {
            throw refusal(.authInvalid, "the access token does not verify")
        }
        guard let user = HandlerUser.from(claims: claims) else {
            throw refusal(.authInvalid, "the access token has no subject (sub)")
        }
        return user
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

    private static func decodeSegment(_ segment: Substring) -> JSONValue? {
        guard let bytes = Base64.decode(segment.utf8) else { return nil }
        return try? JSONValue(parsing: bytes)
    }

    static func refusal(_ code: GatewayErrorCode, _ message: String) -> ConnectionRefusal {
        ConnectionRefusal(message: message, data: ["code": .string(code.rawValue)])
    }
}
