import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore

/// The HTTP request that opened an Engine.IO session, as the application sees it in the handshake.
public struct HandshakeRequest: Sendable {
    /// Header names lowercased; repeated headers joined with ", ".
    public var headers: [String: String]
    public var query: [String: String]
    /// The peer's IP address.
    public var address: String
    /// When the session opened, milliseconds since 1970.
    public var issued: Int
    /// The request target (path and query).
    public var url: String

    public init(headers: [String: String], query: [String: String], address: String, issued: Int, url: String) {
        self.headers = headers
        self.query = query
        self.address = address
        self.issued = issued
        self.url = url
    }

    init(request: Request, remoteAddress: SocketAddress?) {
        // Sized once: grown field by field, it was reallocated three times for a browser's dozen headers.
        var headers = [String: String](minimumCapacity: request.headers.count)
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        self.init(
            headers: headers, query: Self.queryParameters(of: request), address: remoteAddress?.ipAddress ?? "",
            issued: Int(Date().timeIntervalSince1970 * 1000), url: request.uri.description
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
