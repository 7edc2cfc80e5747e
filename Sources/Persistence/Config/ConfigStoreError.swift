/// Why the store refused a request, in a form the admin API turns into a response without guessing.
///
/// `code` is stable and machine-readable; `field` names the offending input field (in the product's JSON
/// spelling) whenever one is to blame.
public enum ConfigStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An input value breaks a rule; `field` is e.g. `path`, `eventName`, `timeoutMs`.
    case invalid(field: String, message: String)
    /// The value of `field` is already taken (`path` by another gateway, `eventName` within the gateway).
    case conflict(field: String, message: String)
    case gatewayNotFound(id: Int64)
    case eventNotFound(gatewayId: Int64, eventName: String)
    /// The database has no room left to write (disk full); nothing was changed.
    case storageFull(message: String)

    public var code: String {
        switch self {
        case .invalid: "invalid_field"
        case .conflict: "conflict"
        case .gatewayNotFound: "gateway_not_found"
        case .eventNotFound: "event_not_found"
        case .storageFull: "storage_full"
        }
    }

    public var field: String? {
        switch self {
        case .invalid(let field, _), .conflict(let field, _): field
        case .gatewayNotFound, .eventNotFound, .storageFull: nil
        }
    }

    public var message: String {
        switch self {
        case .invalid(_, let message), .conflict(_, let message), .storageFull(let message): message
        case .gatewayNotFound(let id): "no gateway with id \(id)"
        case .eventNotFound(let gatewayId, let eventName): "gateway \(gatewayId) has no event named '\(eventName)'"
        }
    }

    public var description: String {
        if let field { "\(code) (\(field)): \(message)" } else { "\(code): \(message)" }
    }
}
