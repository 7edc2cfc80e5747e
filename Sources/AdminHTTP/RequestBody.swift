import Foundation
import Hummingbird
import JSONCore
import NIOCore

/// Reads a JSON request body into a `Decodable` request type, turning every failure into an ``AdminError``
/// that names the field at fault.
enum RequestBody {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, maxBytes: Int) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw AdminError(
                status: .contentTooLarge, code: "PAYLOAD_TOO_LARGE",
                message: "the request body is larger than \(maxBytes) bytes")
        }
        return try decode(type, from: Data(buffer: buffer))
    }

    /// Decodes a whole body; every failure is an ``AdminError``.
    ///
    /// The syntax is read by the parser payloads go through, and Foundation's decoder gets what it wrote back: one JSON
    /// dialect for the whole product (invalid UTF-8 repaired, the last of duplicate keys), and a malformed value deep
    /// in a body is an `INVALID_JSON` at its offset, not the type mismatch of some field that Foundation's lazy
    /// reading made of it (found by `scripts/fuzz.sh admin`).
    static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws(AdminError) -> T {
        guard !body.isEmpty else { throw AdminError.invalidJSON("the request body must be a JSON object") }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            throw AdminError.invalidJSON("the request body is not valid JSON: \(error)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(value.serialized().utf8))
        } catch let error as AdminError {
            throw error
        } catch let error as DecodingError {
            throw adminError(for: error)
        } catch {
            throw AdminError.invalidJSON("the request body could not be read: \(error)")
        }
    }

    static func adminError(for error: DecodingError) -> AdminError {
        switch error {
        case .keyNotFound(let key, let context):
            return .validation(field: fieldName(context.codingPath + [key]), "is required")
        case .valueNotFound(_, let context) where !context.codingPath.isEmpty:
            return .validation(field: fieldName(context.codingPath), "must not be null")
        case .typeMismatch(let type, let context) where !context.codingPath.isEmpty:
            return .validation(field: fieldName(context.codingPath), "must be \(describe(type))")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return .validation(field: fieldName(context.codingPath), "has an invalid value")
        case .typeMismatch, .valueNotFound:
            return .invalidJSON("the request body must be a JSON object")
        default:
            return .invalidJSON("the request body is not valid JSON")
        }
    }

    /// `events.0.name` style, the way the fields appear in the request.
    private static func fieldName(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "an integer"
        default: "of type \(type)"
        }
    }
}
