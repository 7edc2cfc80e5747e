import JSONCore

/// A `JSONValue` that goes through `Codable`, for request and response fields that carry arbitrary JSON
/// (handler payloads, results, logs).
public struct AnyJSON: Codable, Sendable, Equatable {
    public var value: JSONValue

    public init(_ value: JSONValue) {
        self.value = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            value = .null
        } else if let bool = try? container.decode(Bool.self) {
            value = .bool(bool)
        } else if let int = try? container.decode(Int.self) {
            value = .int(int)
        } else if let double = try? container.decode(Double.self) {
            value = .double(double)
        } else if let string = try? container.decode(String.self) {
            value = .string(string)
        } else if let array = try? container.decode([AnyJSON].self) {
            value = .array(array.map(\.value))
        } else {
            value = .object(try container.decode([String: AnyJSON].self).mapValues(\.value))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .int(let int): try container.encode(int)
        case .double(let double): try container.encode(double)
        case .string(let string): try container.encode(string)
        case .array(let array): try container.encode(array.map(AnyJSON.init))
        case .object(let object): try container.encode(object.mapValues(AnyJSON.init))
        // Plain JSON has no binary: the same base64 text `JSONValue.serialized()` writes.
        case .binary(let bytes): try container.encode(Base64.encode(bytes))
        }
    }
}
