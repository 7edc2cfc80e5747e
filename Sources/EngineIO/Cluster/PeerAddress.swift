/// Where a node listens for the requests other nodes forward to it (its advertised address): a host name or IP
/// address, and a port.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "invalid address \"\(text)\": expected host:port or [IPv6]:port, port 1-65535" }
    }

    public init(host: String, port: Int) throws(Invalid) {
        guard !host.isEmpty, (1...65_535).contains(port) else { throw Invalid(text: "\(host):\(port)") }
        self.host = host
        self.port = port
    }

    /// `host:port`, or `[address]:port` for an IPv6 address.
    public init(parsing text: String) throws(Invalid) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw Invalid(text: text)
        }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            throw Invalid(text: text)  // an IPv6 address without brackets: where its port starts is ambiguous
        }
        do {
            try self.init(host: String(host), port: port)
        } catch {
            throw Invalid(text: text)
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
