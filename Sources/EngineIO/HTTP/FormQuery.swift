import Foundation
import HummingbirdCore

/// A request's query string decoded as `application/x-www-form-urlencoded`: `+` is a space, then `%XX` escapes are
/// decoded, in names and values alike.
///
/// That is how curl's `--data-urlencode`, Python's `requests`, browsers' `URLSearchParams`, HTML forms and Node's
/// `querystring` (which socket.io's server reads handshakes with) encode a query; decoding only `%XX` would turn every
/// space those clients send into a `+`. A malformed escape is kept as it was sent, as `querystring` does.
public struct FormQuery: Sendable {
    /// The parameters in the order they were sent; a name may repeat.
    public let parameters: [(name: String, value: String)]

    public init(_ query: Substring?) {
        guard let query, !query.isEmpty else {
            parameters = []
            return
        }
        parameters = query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            guard let equals = pair.firstIndex(of: "=") else { return (Self.decode(pair), "") }
            return (Self.decode(pair[..<equals]), Self.decode(pair[pair.index(after: equals)...]))
        }
    }

    public init(of uri: URI) {
        self.init(uri.query.map { Substring($0) })
    }

    /// The parameters by name; for a repeated name the last one wins.
    public var lastByName: [String: String] {
        Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    static func decode(_ component: Substring) -> String {
        guard component.contains(where: { $0 == "+" || $0 == "%" }) else { return String(component) }
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
