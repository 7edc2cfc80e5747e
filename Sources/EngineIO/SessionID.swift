/// Session and socket identifiers: 128 random bits, base64url without padding (22 characters).
///
/// Unguessable because a session id is the only credential a polling request carries. In a cluster a node's session
/// ids start with its node id and `~` (`node-1~Q2x1c3Rlcg…`), which no base64url character or node id contains, so that
/// any node can tell whose session a request is for (``EngineCluster``).
package enum SessionID {
    static let nodeSeparator = UInt8(ascii: "~")

    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = generator.next() }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(22)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            accumulator = accumulator << 8 | UInt32(byte)
            bits += 8
            while bits >= 6 {
                bits -= 6
                output.append(alphabet[Int(accumulator >> UInt32(bits) & 0x3F)])
            }
        }
        if bits > 0 { output.append(alphabet[Int(accumulator << UInt32(6 - bits) & 0x3F)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// A session id issued by `node`; without a node (a single node) the same as ``make()``.
    static func make(on node: NodeID?) -> String {
        guard let node else { return make() }
        return node.rawValue + "~" + make()
    }

    /// The node part of a session id: what comes before its `~`; nil when it has none (a single node's).
    static func node(of sid: String) -> Substring? {
        sid.utf8.firstIndex(of: nodeSeparator).map { sid[..<$0] }
    }
}
