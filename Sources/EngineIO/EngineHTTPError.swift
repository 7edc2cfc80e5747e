import HTTPTypes

/// Engine.IO's HTTP error answers: status 400 (403 for `forbidden`) with `{"code","message"}`.
/// The codes are the protocol's own, which clients and the official test suite check.
public enum EngineHTTPError: Int, Error, Sendable {
    case unknownTransport = 0
    case unknownSession = 1
    case badHandshakeMethod = 2
    case badRequest = 3
    case forbidden = 4
    case unsupportedProtocolVersion = 5

    public var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest: "Bad request"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version"
        }
    }

    public var status: HTTPResponse.Status { self == .forbidden ? .forbidden : .badRequest }

    public var body: String {
        // Written by hand to keep the key order every client and test expects.
        "{\"code\":\(rawValue),\"message\":\"\(message)\"}"
    }
}
