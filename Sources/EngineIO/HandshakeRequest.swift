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

    init(request: Request, remoteAddress: SocketAddress?) {
        self.init(
            headers: HandshakeFields(request.headers.map { (name: $0.name.canonicalName, value: $0.value) }, repeats: .joined(", ")),
            query: HandshakeFields(FormQuery(of: request.uri).parameters, repeats: .lastWins),
            address: remoteAddress?.ipAddress ?? "", issued: Int(Date().timeIntervalSince1970 * 1000), url: request.uri.description
        )
    }

    /// The query parameters, decoded the form way (``FormQuery``); for a repeated name the last one wins.
    package static func queryParameters(of request: Request) -> [String: String] {
        queryParameters(of: request.uri)
    }

    package static func queryParameters(of uri: URI) -> [String: String] {
        FormQuery(of: uri).lastByName
    }
}
