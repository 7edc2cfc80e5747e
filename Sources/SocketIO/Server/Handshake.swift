import EngineIO
import Foundation
import JSONCore

/// What a socket knows about how it connected: the Engine.IO request plus the namespace CONNECT's auth.
///
/// Mirrors socket.io's `socket.handshake`. Protocol v4 clients (socket.io 2.x) have no auth payload:
/// their credentials arrive in the query string, which includes any query on the namespace CONNECT.
public struct Handshake: Sendable, Equatable {
    public var headers: HandshakeFields
    public var query: HandshakeFields
    /// The CONNECT packet's payload (an object; `{}` when the client sent none).
    public var auth: JSONValue
    public var address: String
    /// Milliseconds since 1970 when the Engine.IO session opened.
    public var issued: Int
    public var url: String

    init(request: HandshakeRequest, auth: JSONValue, extraQuery: [String: String]) {
        self.init(
            headers: request.headers,
            query: extraQuery.isEmpty ? request.query
                : HandshakeFields(request.query.dictionary.merging(extraQuery) { _, namespaceQuery in namespaceQuery }),
            auth: auth, address: request.address, issued: request.issued, url: request.url)
    }

    /// A handshake as another node described it (``SocketSnapshot``).
    public init(headers: HandshakeFields, query: HandshakeFields, auth: JSONValue, address: String, issued: Int, url: String) {
        self.headers = headers
        self.query = query
        self.auth = auth
        self.address = address
        self.issued = issued
        self.url = url
    }

    /// The connection time as socket.io writes it (`Date.toString()` style, UTC).
    public var time: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM dd yyyy HH:mm:ss 'GMT+0000 (Coordinated Universal Time)'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(issued) / 1000))
    }
}
