import HTTPTypes

/// Why a request was refused for its client address: answered `429 Too Many Requests` with `Retry-After: 1`,
/// `Connection: close` and `{"code","message"}`, whose codes are stable (the same strings as in the logs).
enum AddressLimitRefusal: Sendable, Equatable {
    /// The address has `--max-connections-per-ip` connections open.
    case tooManyConnections(maximum: Int)
    /// The address opened sessions faster than `--max-connect-rate-per-ip`.
    case connectRateLimited(perSecond: Double)

    var code: String {
        switch self {
        case .tooManyConnections: "TOO_MANY_CONNECTIONS"
        case .connectRateLimited: "CONNECT_RATE_LIMITED"
        }
    }

    var message: String {
        switch self {
        case .tooManyConnections(let maximum):
            "this address has \(maximum) connections open, the most one address may have"
        case .connectRateLimited(let perSecond):
            "this address opens sessions faster than \(perSecond == perSecond.rounded() ? "\(Int(perSecond))" : "\(perSecond)") a second; retry later"
        }
    }

    /// Written by hand, as ``EngineHTTPError``'s: neither string needs escaping.
    var body: String { "{\"code\":\"\(code)\",\"message\":\"\(message)\"}" }

    var head: HTTPResponse {
        HTTPResponse(status: .tooManyRequests, headerFields: [
            .contentType: "application/json", .contentLength: "\(body.utf8.count)", .retryAfter: "1", .connection: "close",
        ])
    }
}
