import Foundation
import JSONCore
import JWTKit
import ScriptSandbox
import Testing
@testable import Gateway

/// The daemon's own HS256 rules, checked against tokens jwt-kit makes and reads.
@Suite struct GatewayAuthenticatorTests {
    static let secret = "unit-test-secret-at-least-32-bytes!!"

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim?
        var nbf: NotBeforeClaim?
        var role: String?
        func verify(using _: some JWTAlgorithm) async throws {
            try exp?.verifyNotExpired()
        }
    }

    struct Subjectless: JWTPayload {
        var role: String
        func verify(using _: some JWTAlgorithm) async throws {}
    }

    private func keys(_ secret: String = Self.secret) async -> JWTKeyCollection {
        await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    private let authenticator = try! GatewayAuthenticator(secret: Self.secret)

    @Test func aValidTokenGivesItsClaimsWithIdFromSub() async throws {
        let token = try await keys().sign(Claims(sub: "42", exp: .init(value: Date() + 60), role: "admin"))
        let user = try authenticator.verify(token: token).get()
        #expect(user["id"] == "42")
        #expect(user["sub"] == "42")
        #expect(user["role"] == "admin")
    }

    @Test(arguments: [
        ("expired", "AUTH_EXPIRED"), ("notYet", "AUTH_INVALID"), ("otherKey", "AUTH_INVALID"), ("garbage", "AUTH_INVALID"),
        ("noneAlg", "AUTH_INVALID"), ("hs512", "AUTH_INVALID"), ("noSub", "AUTH_INVALID"),
    ])
    func badTokensAreRefusedWithTheirCode(_ kind: String, _ code: String) async throws {
        let keys = await keys()
        let token: String
        switch kind {
        case "expired": token = try await keys.sign(Claims(sub: "1", exp: .init(value: Date() - 60)))
        case "notYet": token = try await keys.sign(Claims(sub: "1", nbf: .init(value: Date() + 600)))
        case "otherKey": token = try await self.keys(String(repeating: "x", count: 40)).sign(Claims(sub: "1"))
        case "hs512":
            token = try await JWTKeyCollection().add(hmac: HMACKey(from: Self.secret + Self.secret), digestAlgorithm: .sha512).sign(Claims(sub: "1"))
        case "noneAlg":
            let signed = try await keys.sign(Claims(sub: "1")).split(separator: ".")
            token = "\(Base64.encode(Array(#"{"alg":"none"}"#.utf8)).replacingOccurrences(of: "=", with: "")).\(signed[1])."
        case "noSub": token = try await keys.sign(Subjectless(role: "x"))
        default: token = "not.a.token"
        }
        #expect(authenticator.verify(token: token).failureCode == code, "\(kind)")
    }

    @Test func signedTokensVerifyHereAndWithJWTKit() async throws {
        let token = try authenticator.sign(claims: ["sub": .int(7), "role": "editor"], expiresIn: 120).get()
        let user = try authenticator.verify(token: token).get()
        #expect(user["id"] == "7")
        #expect(user["role"] == "editor")
        let exp = try #require(user["exp"]?.intValue)
        #expect(abs(exp - Int(Date().timeIntervalSince1970) - 120) <= 2)
        let read = try await keys().verify(token, as: Claims.self)
        #expect(read.sub.value == "7")
        #expect(read.role == "editor")
    }

    @Test func aTokenHasOneSpelling() throws {
        let token = try authenticator.sign(claims: ["sub": "1"], expiresIn: 60).get()
        #expect((try? authenticator.verify(token: token).get()) != nil)
        let parts = token.split(separator: ".").map(String.init)
        let padded = parts[0] + "." + parts[1] + "." + parts[2] + "="
        let standardAlphabet = parts[0] + "." + parts[1] + "." + parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        #expect(authenticator.verify(token: padded).failureCode == "AUTH_INVALID")
        if standardAlphabet != token {
            #expect(authenticator.verify(token: standardAlphabet).failureCode == "AUTH_INVALID")
        }
    }

    @Test func signingNeedsASubjectAndASecret() throws {
        #expect(authenticator.sign(claims: ["role": "x"], expiresIn: 60).failureCode == "BAD_REQUEST")
        let withoutSecret = try GatewayAuthenticator(secret: nil)
        #expect(withoutSecret.sign(claims: ["sub": "1"], expiresIn: 60).failureCode == "SERVICE_UNAVAILABLE")
        #expect(withoutSecret.verify(token: "a.b.c").failureCode == "AUTH_INVALID")
    }

    @Test func passwordsHashSaltedAndVerify() throws {
        let withoutSecret = try GatewayAuthenticator(secret: nil)
        let first = try withoutSecret.hashPassword(Array("correct horse".utf8)).get()
        let second = try withoutSecret.hashPassword(Array("correct horse".utf8)).get()
        #expect(first.hasPrefix("$scrypt$ln=15,r=8,p=1$"))
        #expect(first != second, "salted")
        #expect(withoutSecret.verifyPassword(Array("correct horse".utf8), hash: first))
        #expect(withoutSecret.verifyPassword(Array("correct horse".utf8), hash: second))
        #expect(!withoutSecret.verifyPassword(Array("correct horsE".utf8), hash: first))
        #expect(!withoutSecret.verifyPassword(Array("correct horse".utf8), hash: "correct horse"))
        // A forged hash asking for a cost past the cap is refused, not computed.
        let forged = first.replacingOccurrences(of: "ln=15", with: "ln=30")
        #expect(!withoutSecret.verifyPassword(Array("correct horse".utf8), hash: forged))
    }

    @Test func aShortSecretIsRefusedWithAClearError() {
        #expect(throws: GatewayAuthenticator.WeakSecret.self) {
            _ = try GatewayAuthenticator(secret: "short")
        }
    }
}

extension Result where Failure == HandlerAuthFailure {
    fileprivate var failureCode: String? {
        if case .failure(let failure) = self { return failure.code }
        return nil
    }
}
