/// A dynamic JSON value, plus the one thing Socket.IO adds to JSON: binary attachments.
///
/// It is the common currency between the wire protocol and the Lua sandbox. Integers and floats stay
/// apart (Lua 5.4 has both subtypes and handlers can tell them apart), and binary stays binary so an
/// attachment that goes into a handler can come back out as an attachment rather than as text.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    /// A Socket.IO binary attachment. Plain JSON has no form for it: ``serialized()`` writes it as a
    /// base64 string, the Socket.IO encoder turns it into an attachment.
    case binary([UInt8])
}

extension JSONValue {
    /// The value of `key` when this is an object, else `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.0e15: return Int(value)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value, or absent when it is JSON null. (Spelled out because `isNull ? nil : value` is a trap: with a
    /// `JSONValue` on the other side, that `nil` is JSON null, not absent.)
    public var nonNull: JSONValue? {
        if case .null = self { return nil }
        return self
    }

    /// Whether this value or anything inside it is binary.
    public var containsBinary: Bool {
        switch self {
        case .binary: return true
        case .array(let items): return items.contains { $0.containsBinary }
        case .object(let members): return members.values.contains { $0.containsBinary }
        default: return false
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { serialized() }
}
