import Foundation
import JWTKit

/// The registered time claims jwt-kit checks after the signature; every other claim is read separately
/// (as raw JSON) so that `USER` carries the token's claims exactly as they were signed.
struct TokenTimeClaims: JWTPayload {
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?

    func verify(using _: some JWTAlgorithm) async throws {
        try exp?.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}
