import Crypto
import Foundation
import JSONCore

/// The daemon's JSON Web Token rules, in one place: HS256 with one secret, `exp` and `nbf` checked, nothing else
/// accepted. The handshake and `AUTH.verify` read tokens here and `AUTH.sign` writes them, synchronously (a Lua
/// worker thread waits on it), with swift-crypto's HMAC.
package struct HS256Token: Sendable {
    /// Why a token was refused.
    package enum Refusal: Error, Equatable {
        case malformed
        case wrongAlgorithm
        case badSignature
        case expired
        case notYetValid
        case noSubject

        var message: String {
            switch self {
            case .malformed: "the access token is malformed"
            case .wrongAlgorithm: "the access token must be signed with HS256"
            case .badSignature: "the access token does not verify"
            case .expired: "the access token is expired"
            case .notYetValid: "the access token is not valid yet (nbf)"
            case .noSubject: "the access token has no subject (sub)"
            }
        }
    }

    private let key: SymmetricKey

    package init(secret: String) {
        key = SymmetricKey(data: Array(secret.utf8))
    }

    /// The token's claims when its signature, algorithm and time claims hold at `now`.
    package func verify(_ token: String, now: Date = Date()) -> Result<[String: JSONValue], Refusal> {
        let segments = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3, let header = Self.decode(segments[0])?.objectValue,
              let claims = Self.decode(segments[1])?.objectValue,
              let signature = Self.base64URL(segments[2]) else { return .failure(.malformed) }
        // Pinned: whatever the header claims, only HS256 with this secret is accepted.
        guard header["alg"]?.stringValue == "HS256" else { return .failure(.wrongAlgorithm) }
        let signingInput = token.utf8.prefix(segments[0].count + 1 + segments[1].count)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array(signingInput), using: key) else {
            return .failure(.badSignature)
        }
        let seconds = now.timeIntervalSince1970
        if let exp = claims["exp"], exp != .null {
            guard let expiry = Self.seconds(exp) else { return .failure(.malformed) }
            if expiry <= seconds { return .failure(.expired) }
        }
        if let nbf = claims["nbf"], nbf != .null {
            guard let notBefore = Self.seconds(nbf) else { return .failure(.malformed) }
            if notBefore > seconds { return .failure(.notYetValid) }
        }
        return .success(claims)
    }

    /// A token for `claims`, which must name a subject; `exp` (and `iat`, unless given) are set from `lifetime`.
    package func sign(_ claims: [String: JSONValue], lifetime seconds: Int, now: Date = Date()) -> Result<String, Refusal> {
        var claims = claims
        guard let sub = claims["sub"] ?? claims["id"], sub.stringValue != nil || sub.intValue != nil else {
            return .failure(.noSubject)
        }
        // JWT's `sub` is a string (RFC 7519 §4.1.2).
        claims["sub"] = .string(sub.stringValue ?? String(sub.intValue!))
        claims["id"] = nil
        let issued = Int(now.timeIntervalSince1970)
        if claims["iat"] == nil { claims["iat"] = .int(issued) }
        claims["exp"] = .int(issued + seconds)
        let header = Self.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let signingInput = header + "." + Self.encode(Array(JSONValue.object(claims).serialized().utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return .success(signingInput + "." + Self.encode(Array(signature)))
    }

    private static func decode(_ segment: Substring.UTF8View.SubSequence) -> JSONValue? {
        guard let bytes = base64URL(segment) else { return nil }
        return try? JSONValue(parsing: bytes)
    }

    /// Strict base64url, the one spelling a JWT segment has (no padding, no `+` `/`, no stray bits), so a token has
    /// exactly one string form.
    private static func base64URL(_ segment: Substring.UTF8View.SubSequence) -> [UInt8]? {
        guard let bytes = Base64.decode(segment), encode(bytes).utf8.elementsEqual(segment) else { return nil }
        return bytes
    }

    /// base64url without padding (RFC 7515 §2).
    private static func encode(_ bytes: [UInt8]) -> String {
        var text = Base64.encode(bytes)
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    /// A NumericDate: seconds since the epoch, integer or not.
    private static func seconds(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let seconds): Double(seconds)
        case .double(let seconds) where seconds.isFinite: seconds
        default: nil
        }
    }
}
