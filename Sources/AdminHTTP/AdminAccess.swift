import NIOCore

/// Who may use the admin API, decided once at start-up from the token, the bind address and the opt-in flag.
///
/// Without a token the only credential is "the TCP peer is on this host", and that is worthless as soon as a proxy
/// on the same host forwards outside traffic (every forwarded request comes from 127.0.0.1) or the daemon listens
/// beyond loopback (a sidecar or another container on the host reaches it as loopback). So a tokenless admin API
/// answers only unforwarded loopback requests, and only when the daemon itself is bound to loopback, unless the
/// operator opts in with `--admin-insecure-loopback`.
public enum AdminAccess: Sendable, Equatable {
    /// `Authorization: Bearer <token>` on every request.
    case token(String)
    /// No token: loopback peers whose request carries no forwarding header.
    case loopback
    /// No token and bound beyond loopback without the opt-in: every request is refused.
    case closed

    /// The policy for a daemon bound to `host`; an empty token counts as none.
    public init(token: String?, host: String, insecureLoopback: Bool) {
        if let token, !token.isEmpty {
            self = .token(token)
        } else if insecureLoopback || Self.isLoopbackHost(host) {
            self = .loopback
        } else {
            self = .closed
        }
    }

    /// What start-up logs about a tokenless admin API (nil when a token is set).
    public func startupWarning(host: String) -> String? {
        switch self {
        case .token:
            return nil
        case .loopback where Self.isLoopbackHost(host):
            return "the admin API has no token: bound to \(host), it answers this machine's requests that no proxy forwarded (curl http://\(host):<port>/admin/gateways); set --admin-token (GATEWAYD_ADMIN_TOKEN) for a deployment"
        case .loopback:
            return "the admin API has no token and --admin-insecure-loopback lets any loopback client in while the daemon listens on \(host): anything on this host (a proxy, a sidecar, another container) can use it; set --admin-token (GATEWAYD_ADMIN_TOKEN)"
        case .closed:
            return "the admin API has no token and the daemon listens on \(host), beyond loopback: every admin request is refused; set --admin-token (GATEWAYD_ADMIN_TOKEN)"
        }
    }

    /// The headers through which a reverse proxy says whom it forwards for.
    static let forwardingHeaders = ["forwarded", "x-forwarded-for", "x-real-ip", "x-forwarded-host"]

    /// `127.0.0.0/8`, `::1` and `localhost`: addresses no other host can reach.
    static func isLoopbackHost(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: bare, port: 0) else { return false }
        return AdminCredentials.isLoopback(address)
    }
}
