import JSONCore

/// Thrown by a namespace middleware to refuse a connection. The client receives CONNECT_ERROR with
/// `{message, data}` (protocol v5) or the data, else the message (protocol v4), as socket.io sends it.
public struct ConnectionRefusal: Error, Sendable {
    public var message: String
    public var data: JSONValue?

    public init(message: String, data: JSONValue? = nil) {
        self.message = message
        self.data = data
    }

    /// The payload of the CONNECT_ERROR packet for a client of `version`.
    func payload(for version: SocketIOProtocolVersion) -> JSONValue {
        switch version {
        case .v5:
            var members: [String: JSONValue] = ["message": .string(message)]
            if let data { members["data"] = data }
            return .object(members)
        case .v4:
            return data ?? .string(message)
        }
    }
}
