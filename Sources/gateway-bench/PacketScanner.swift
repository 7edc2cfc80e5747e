/// Reads the few fields the generator needs straight from a Socket.IO text frame, without a JSON parser.
///
/// The generator must outrun the server on one core, so it never decodes payloads: it skips the namespace,
/// reads an ack id, recognises an event name and pulls one string or integer field out by key.
struct PacketScanner {
    let bytes: UnsafeRawBufferPointer
    private(set) var index: Int

    init(_ bytes: UnsafeRawBufferPointer, from index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    var isAtEnd: Bool { index >= bytes.count }

    var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func advance(by count: Int = 1) { index += count }

    /// Skips `/namespace,` when present (the default namespace has no prefix).
    mutating func skipNamespace() {
        guard next == UInt8(ascii: "/") else { return }
        while let byte = next {
            advance()
            if byte == UInt8(ascii: ",") { return }
        }
    }

    /// Reads a decimal ack id, or nil when the packet carries none.
    mutating func readInteger() -> Int? {
        var value = 0
        var digits = 0
        while let byte = next, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            value = value &* 10 &+ Int(byte - UInt8(ascii: "0"))
            digits += 1
            advance()
        }
        return digits > 0 ? value : nil
    }

    /// True when the remaining bytes start with `prefix`.
    func hasPrefix(_ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != prefix.utf8Start[offset] {
            return false
        }
        return true
    }

    /// Moves past the first occurrence of `"key"` followed by optional spaces and a colon; false when absent.
    mutating func seek(key: StaticString) -> Bool {
        let count = key.utf8CodeUnitCount
        let start = key.utf8Start
        var position = index
        while position + count + 2 <= bytes.count {
            if bytes[position] == UInt8(ascii: "\""), bytes[position + count + 1] == UInt8(ascii: "\"") {
                var matches = true
                for offset in 0..<count where bytes[position + 1 + offset] != start[offset] {
                    matches = false
                    break
                }
                if matches {
                    index = position + count + 2
                    skipSpaces()
                    guard next == UInt8(ascii: ":") else { position += 1; continue }
                    advance()
                    skipSpaces()
                    return true
                }
            }
            position += 1
        }
        return false
    }

    /// Reads a JSON string without escapes (the generator's own ids and keys never contain any).
    mutating func readString() -> String? {
        guard next == UInt8(ascii: "\"") else { return nil }
        advance()
        let start = index
        while let byte = next, byte != UInt8(ascii: "\"") { advance() }
        guard !isAtEnd else { return nil }
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        advance()
        return value
    }

    private mutating func skipSpaces() {
        while next == UInt8(ascii: " ") { advance() }
    }
}
