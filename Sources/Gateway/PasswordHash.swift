import Crypto
import CryptoExtras
import Foundation
import JSONCore

/// `AUTH.hashPassword` / `AUTH.verifyPassword`: scrypt (swift-crypto's) with a random 16-byte salt, stored as
/// `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (base64), so the cost can be raised later and old hashes still verify.
///
/// N = 2^15 with r = 8 takes 32 MiB and tens of milliseconds per hash: slow for whoever guesses, and bounded for a
/// worker thread.
enum PasswordHash {
    static let logRounds = 15
    static let blockSize = 8
    static let parallelism = 1
    static let saltBytes = 16
    static let hashBytes = 32
    /// The largest cost a stored hash may ask for when it is verified (a forged hash must not cost gigabytes).
    static let maxLogRounds = 20

    /// The stored form of `password`; nil only if the KDF fails.
    static func make(_ password: [UInt8]) -> String? {
        var salt = [UInt8](repeating: 0, count: saltBytes)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: .min ... .max, using: &generator) }
        guard let hash = derive(password, salt: salt, logRounds: logRounds, blockSize: blockSize, parallelism: parallelism) else {
            return nil
        }
        return "$scrypt$ln=\(logRounds),r=\(blockSize),p=\(parallelism)$\(Base64.encode(salt))$\(Base64.encode(hash))"
    }

    static func verify(_ password: [UInt8], against stored: String) -> Bool {
        let fields = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count == 5, fields[0].isEmpty, fields[1] == "scrypt",
              let parameters = parameters(fields[2]), let salt = Base64.decode(fields[3].utf8),
              let expected = Base64.decode(fields[4].utf8), !expected.isEmpty,
              let actual = derive(password, salt: salt, logRounds: parameters.ln, blockSize: parameters.r,
                                  parallelism: parameters.p, outputBytes: expected.count) else { return false }
        // Constant time in the hash's length.
        return zip(actual, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func parameters(_ text: Substring) -> (ln: Int, r: Int, p: Int)? {
        var values: [Substring: Int] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            values[parts[0]] = value
        }
        guard let ln = values["ln"], let r = values["r"], let p = values["p"],
              (1...maxLogRounds).contains(ln), (1...32).contains(r), (1...4).contains(p) else { return nil }
        return (ln, r, p)
    }

    private static func derive(
        _ password: [UInt8], salt: [UInt8], logRounds: Int, blockSize: Int, parallelism: Int, outputBytes: Int = hashBytes
    ) -> [UInt8]? {
        guard (1...64).contains(outputBytes),
              let key = try? KDF.Scrypt.deriveKey(
                  from: password, salt: salt, outputByteCount: outputBytes, rounds: 1 << logRounds, blockSize: blockSize,
                  parallelism: parallelism, maxMemory: 1 << 30) else { return nil }
        return key.withUnsafeBytes { Array($0) }
    }
}
