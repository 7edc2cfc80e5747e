import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Guards every `/admin/*` route by the daemon's ``AdminAccess``.
///
/// With a token, a request needs `Authorization: Bearer <token>` (compared in constant time). Without one, only a
/// loopback peer gets in, and only with a request that no proxy forwarded: behind nginx or a sidecar on the same host,
/// every outside request arrives from 127.0.0.1, and the forwarding header is the only sign of where it came from.
struct AdminAuthMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let access: AdminAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch access {
        case .token(let token):
            guard let presented = AdminCredentials.bearerToken(request.headers[.authorization]) else {
                throw AdminError(status: .unauthorized, code: "UNAUTHORIZED", message: "missing 'Authorization: Bearer <token>' header")
            }
            guard AdminCredentials.constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
                throw AdminError(status: .unauthorized, code: "UNAUTHORIZED", message: "invalid admin token")
            }
        case .closed:
            throw AdminError(
                status: .forbidden, code: "FORBIDDEN",
                message: "no admin token is configured and the daemon listens beyond loopback, so the admin API refuses every request: "
                    + "set --admin-token (GATEWAYD_ADMIN_TOKEN), or --admin-insecure-loopback to let loopback clients in without one")
        case .loopback:
            if let header = AdminCredentials.forwardingHeader(in: request.headers) {
                throw AdminError(
                    status: .forbidden, code: "FORBIDDEN",
                    message: "the request was forwarded by a proxy (it carries '\(header)'), and without an admin token the admin API only "
                        + "answers clients on this host: set --admin-token (GATEWAYD_ADMIN_TOKEN) to use it behind a reverse proxy")
            }
            guard AdminCredentials.isLoopback(context.remoteAddress) else {
                throw AdminError(
                    status: .forbidden, code: "FORBIDDEN",
                    message: "no admin token is configured, so the admin API only answers loopback clients: set --admin-token (GATEWAYD_ADMIN_TOKEN)")
            }
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

    /// The first forwarding header a request carries, by its canonical name.
    static func forwardingHeader(in headers: HTTPFields) -> String? {
        AdminAccess.forwardingHeaders.first { name in HTTPField.Name(name).map { headers[$0] != nil } ?? false }
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
