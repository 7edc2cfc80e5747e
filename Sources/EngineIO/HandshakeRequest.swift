import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// The HTTP request that opened an Engine.IO session, as the application sees it in the handshake.
public struct HandshakeRequest: Sendable {
    /// Header names lowercased; repeated headers joined with ", ".
    public var headers: HandshakeFields
    public var query: HandshakeFields
    /// The peer's IP address.
    public var address: String
    /// When the session opened, milliseconds since 1970.
    public var issued: Int
    /// The request target (path and query).
    public var url: String

    public init(headers: HandshakeFields, query: HandshakeFields, address: String, issued: Int, url: String) {
        self.headers = headers
        self.query = query
        self.address = address
        self.issued = issued
        self.url = url
    }

    /// `query`: the request's, as the route already decoded it.
    init(request: Request, query: FormQuery, remoteAddress: SocketAddress?) {
        self.init(
            headers: HandshakeFields(request.headers.map { (name: $0.name.canonicalName, value: $0.value) }, repeats: .joined(", ")),
            query: HandshakeFields(query.parameters, repeats: .lastWins),
            address: remoteAddress?.ipAddress ?? "", issued: Int(Date().timeIntervalSince1970 * 1000), url: request.uri.description
        )
    }
}
