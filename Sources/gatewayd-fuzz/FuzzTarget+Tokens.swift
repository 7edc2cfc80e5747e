import Crypto
import Foundation
import Gateway
import JSONCore

extension FuzzTarget {
    private static let secret = "fuzz-secret-fuzz-secret-fuzz-secret-0"
    private static let tokens = HS256Token(secret: secret)

    /// The JWT path two ways. The input as a token: never a crash, and what verifies was signed with the secret (a
    /// random token verifies only by forging HMAC-SHA256). Then, split at its first 0 byte, a header and claims signed
    /// with the secret: what verifies carries exactly those claims, and the same token with its signature changed never
    /// verifies. Claims with a subject (and no `nbf`) sign, and verify back to themselves with `iat` and `exp`.
    static func jwt(_ input: [UInt8]) {
        if case .success = tokens.verify(String(decoding: input, as: UTF8.self)) {
            preconditionFailure("an unsigned token verified: \(String(decoding: input, as: UTF8.self))")
        }
        let parts = input.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return }
        let signingInput = base64URL(Array(parts[0])) + "." + base64URL(Array(parts[1]))
        let signature = Array(HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: Array(secret.utf8))))
        let token = signingInput + "." + base64URL(signature)
        if case .success(let claims) = tokens.verify(token) {
            precondition((try? JSONValue(parsing: Array(parts[1]))) == .object(claims), "verified claims are not the signed ones")
            var forged = signature
            forged[forged.count - 1] ^= 1
            if case .success = tokens.verify(signingInput + "." + base64URL(forged)) {
                preconditionFailure("a token verified with a changed signature")
            }
        }
        // An `nbf` the claims carry may make the token not valid yet, as it should.
        guard case .object(let claims)? = try? JSONValue(parsing: Array(parts[1])), claims["nbf"] == nil,
              case .success(let signed) = tokens.sign(claims, lifetime: 3600)
        else { return }
        guard case .success(let verified) = tokens.verify(signed) else {
            preconditionFailure("a token sign() made does not verify: \(signed)")
        }
        // A number past a double's range is written as `null`, as everywhere in JSON here.
        for (key, value) in claims where !["sub", "id", "iat", "exp"].contains(key) {
            precondition(verified[key] == finite(value), "claim \(key) changed between sign and verify")
        }
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }
}
