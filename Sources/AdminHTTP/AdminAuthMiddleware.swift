import Foundation
import Hummingbird
import NIOCore

/// Guards every `/admin/*` route.
///
/// With a token configured, a request needs `Authorization: Bearer <token>` (compared in constant time).
/// Without one, the admin API answers only loopback peers: a daemon bound to `0.0.0.0` must not hand its
/// configuration to the network just because nobody set a token.
struct AdminAuthMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token else {
            guard AdminCredentials.isLoopback(context.remoteAddress) else {
                throw AdminError(
                    status: .forbidden, code: "FORBIDDEN",
                    message: "no admin token is configured, so the admin API only answers loopback clients")
            }
            return try await next(request, context)
        }
        guard let presented = AdminCredentials.bearerToken(request.headers[.authorization]) else {
            throw AdminError(status: .unauthorized, code: "UNAUTHORIZED", message: "missing 'Authorization: Bearer <token>' header")
        }
        guard AdminCredentials.constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
            throw AdminError(status: .unauthorized, code: "UNAUTHORIZED", message: "invalid admin token")
        }
        return try await next(request, context)
    }
}

/// The checks behind ``AdminAuthMiddleware``, apart from any request context.
enum AdminCredentials {
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// Takes the same time for every input of a given length, whatever its content.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
        }
        return difference == 0
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        switch address {
        case .unixDomainSocket: return true
        case .v4, .v6:
            guard let ip = address?.ipAddress else { return false }
            return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
        case nil: return false
        }
    }
}
