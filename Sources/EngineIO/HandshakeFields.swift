/// A handshake's headers or query parameters, name to value, held as one byte buffer.
///
/// A connection keeps its handshake for as long as it lives; a dictionary of its dozen strings costs several hundred
/// bytes beyond the text itself, on every idle connection. Lookups scan the buffer: they happen when a socket connects
/// (its credentials) and when a handler reads `HANDSHAKE`, not per packet.
public struct HandshakeFields: Sendable, Equatable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// Each field as its name's byte count (4 bytes, little-endian), the name, the value's byte count, the value;
    /// sorted by name, so that equal fields are equal bytes.
    private let storage: [UInt8]

    /// How a name given more than once is kept.
    public enum Repeats: Sendable {
        /// The last value (a query string, as socket.io's server reads it).
        case lastWins
        /// Every value in the order given, joined (HTTP headers, with ", ").
        case joined(String)
    }

    /// `fields` in the order given; a repeated name as `repeats` says.
    public init(_ fields: [(name: String, value: String)], repeats: Repeats) {
        // Sorted by name, a name's values in the order they came.
        let order = fields.indices.sorted { fields[$0].name < fields[$1].name || (fields[$0].name == fields[$1].name && $0 < $1) }
        var storage: [UInt8] = []
        storage.reserveCapacity(fields.reduce(0) { $0 + 8 + $1.name.utf8.count + $1.value.utf8.count })
        var first = 0
        while first < order.count {
            let name = fields[order[first]].name
            var end = first + 1
            while end < order.count, fields[order[end]].name == name { end += 1 }
            Self.append(name, to: &storage)
            switch repeats {
            case .lastWins:
                Self.append(fields[order[end - 1]].value, to: &storage)
            case .joined(let separator):
                Self.append(order[first..<end].map { fields[$0].value }.joined(separator: separator), to: &storage)
            }
            first = end
        }
        self.storage = storage
    }

    public init(_ fields: [String: String]) {
        self.init(fields.map { (name: $0.key, value: $0.value) }, repeats: .lastWins)
    }

    /// A repeated name keeps its last value.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements.map { (name: $0.0, value: $0.1) }, repeats: .lastWins)
    }

    public var isEmpty: Bool { storage.isEmpty }

    public var description: String { dictionary.description }

    /// The value of `name`, compared byte for byte (header names are stored lowercased).
    public subscript(name: String) -> String? {
        var name = name
        return name.withUTF8 { wanted in
            storage.withUnsafeBufferPointer { bytes in
                var offset = 0
                while offset < bytes.count {
                    let nameRange = Self.field(at: &offset, in: bytes)
                    let valueRange = Self.field(at: &offset, in: bytes)
                    if nameRange.count == wanted.count, UnsafeBufferPointer(rebasing: bytes[nameRange]).elementsEqual(wanted) {
                        return String(decoding: UnsafeBufferPointer(rebasing: bytes[valueRange]), as: UTF8.self)
                    }
                }
                return nil
            }
        }
    }

    /// Every field.
    public var dictionary: [String: String] {
        storage.withUnsafeBufferPointer { bytes in
            var fields: [String: String] = [:]
            var offset = 0
            while offset < bytes.count {
                let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[Self.field(at: &offset, in: bytes)]), as: UTF8.self)
                fields[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[Self.field(at: &offset, in: bytes)]), as: UTF8.self)
            }
            return fields
        }
    }

    private static func append(_ text: String, to storage: inout [UInt8]) {
        let count = UInt32(text.utf8.count)
        for shift in stride(from: 0, to: 32, by: 8) { storage.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
        storage.append(contentsOf: text.utf8)
    }

    /// The bytes of the length-prefixed field at `offset`; moves `offset` past it.
    private static func field(at offset: inout Int, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var count = 0
        for index in 0..<4 { count |= Int(bytes[offset + index]) << (8 * index) }
        defer { offset += 4 + count }
        return (offset + 4)..<(offset + 4 + count)
    }
}
