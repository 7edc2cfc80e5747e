import Foundation
import JSONCore
import JWTKit
import Testing
@testable import Gateway

@Suite struct GatewayAuthenticatorTests {
    static let secret = "unit-test-secret-at-least-32-bytes!!"

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim?
        var nbf: NotBeforeClaim?
        var role: String?
        func verify(using _: some JWTAlgorithm) async throws {}
    }

    private func keys() async -> JWTKeyCollection {
        await JWTKeyCollection().add(hmac: HMACKey(from: Self.secret), digestAlgorithm: .sha256)
    }


    @Test func aValidTokenGivesItsClaimsWithIdFromSub() async throws {
        let keys = await keys()
        let token = try await keys.sign(Claims(sub: "42", exp: .init(value: Date() + 60), role: "admin"))
        let user = try await GatewayAuthenticator.verify(token, keys: keys)
        #expect(user["id"] == "42")
        #expect(user["sub"] == "42")
        #expect(user["role"] == "admin")
    }

    @Test(arguments: ["expired", "notYet", "otherKey", "garbage", "noneAlg"])
    func badTokensAreRefusedAsInvalid(_ kind: String) async throws {
        let keys = await keys()
        let token: String
        switch kind {
        case "expired": token = try await keys.sign(Claims(sub: "1", exp: .init(value: Date() - 60)))
        case "notYet": token = try await keys.sign(Claims(sub: "1", nbf: .init(value: Date() + 600)))
        case "otherKey":
            let other = await JWTKeyCollection().add(hmac: HMACKey(from: String(repeating: "x", count: 40)), digestAlgorithm: .sha256)
            token = try await other.sign(Claims(sub: "1"))
        case "noneAlg":
            let signed = try await keys.sign(Claims(sub: "1")).split(separator: ".")
            token = "\(Base64.encode(Array(#"{"alg":"none"}"#.utf8)).replacingOccurrences(of: "=", with: "")).\(signed[1])."
        default: token = "not.a.token"
        }
        do {
            _ = try await GatewayAuthenticator.verify(token, keys: keys)
            Issue.record("\(kind) was accepted")
        } catch {
            #expect(error.data?["code"] == "AUTH_INVALID")
        }
    }

    @Test func aShortSecretIsRefusedWithAClearError() async {
        await #expect(throws: GatewayAuthenticator.WeakSecret.self) {
            _ = try await GatewayAuthenticator(secret: "short")
        }
    }
}
