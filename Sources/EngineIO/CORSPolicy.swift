import HTTPTypes

/// Which browser origins may call the Engine.IO endpoint, and with credentials or not.
///
/// Off by default, like socket.io: a cross-origin browser page gets no CORS headers and is refused by
/// its browser. Native clients never send `Origin` and are unaffected.
public struct CORSPolicy: Sendable {
    public enum Origins: Sendable {
        case none
        case any
        case list(Set<String>)
    }

    public var origins: Origins
    public var allowCredentials: Bool

    public init(origins: Origins, allowCredentials: Bool = false) {
        self.origins = origins
        self.allowCredentials = allowCredentials
    }

    public static let disabled = CORSPolicy(origins: .none)

    var isEnabled: Bool {
        if case .none = origins { return false }
        return true
    }

    /// The CORS response headers for a request from `origin` (nil when the request has none).
    func headers(forOrigin origin: String?, preflight: Bool) -> HTTPFields {
        var fields = HTTPFields()
        let allowed: String
        switch origins {
        case .none:
            return fields
        case .any:
            // With credentials a browser refuses `*`, so reflect the origin as socket.io's cors module does.
            allowed = allowCredentials ? (origin ?? "*") : "*"
        case .list(let list):
            guard let origin, list.contains(origin) else { return fields }
            allowed = origin
        }
        fields[.accessControlAllowOrigin] = allowed
        if allowed != "*" { fields[.vary] = "Origin" }
        if allowCredentials { fields[.accessControlAllowCredentials] = "true" }
        if preflight {
            fields[.accessControlAllowMethods] = "GET,HEAD,PUT,PATCH,POST,DELETE"
            fields[.accessControlAllowHeaders] = "content-type"
        }
        return fields
    }
}
