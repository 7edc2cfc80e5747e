import Foundation
import Hummingbird

/// An `Encodable` value sent as `application/json` with a chosen status.
///
/// Dates are ISO 8601 and keys sorted, so every admin response reads the same way.
struct JSONResponse<Value: Encodable>: ResponseGenerator {
    var value: Value
    var status: HTTPResponse.Status

    init(_ value: Value, status: HTTPResponse.Status = .ok) {
        self.value = value
        self.status = status
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try Self.encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
