import Hummingbird
import Persistence
import ScriptSandbox

/// An admin API failure with a stable machine-readable `code`, answered as
/// `{"error": {"code", "message", "field"?, "line"?}}`.
///
/// Every failure of an admin route ends up as one of these (see ``AdminErrorMiddleware``), so API clients
/// can branch on `code` and point at `field` without parsing messages.
public struct AdminError: Error, Sendable, Equatable, HTTPResponseError {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    /// The request field at fault, in the API's JSON spelling.
    public var field: String?
    /// For `SCRIPT_SYNTAX_ERROR`: the 1-based line of the script.
    public var line: Int?

    public init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil, line: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.line = line
    }

    public static func invalidJSON(_ message: String) -> AdminError {
        AdminError(status: .badRequest, code: "INVALID_JSON", message: message)
    }

    public static func validation(field: String, _ message: String) -> AdminError {
        AdminError(status: .unprocessableContent, code: "VALIDATION_ERROR", message: message, field: field)
    }

    public static func notFound(_ message: String) -> AdminError {
        AdminError(status: .notFound, code: "NOT_FOUND", message: message)
    }

    public static func internalError(_ message: String) -> AdminError {
        AdminError(status: .internalServerError, code: "INTERNAL_ERROR", message: message)
    }

    /// A script that does not compile, for the request field that carried it.
    public init(syntaxError: ScriptSyntaxError, field: String) {
        self.init(
            status: .unprocessableContent, code: ScriptSyntaxError.code, message: syntaxError.message,
            field: field, line: syntaxError.line)
    }

    /// The store's refusal, under the API's codes.
    public init(_ error: ConfigStoreError) {
        switch error {
        case .invalid(let field, let message):
            self = .validation(field: field, message)
        case .conflict(let field, let message):
            self.init(status: .conflict, code: "CONFLICT", message: message, field: field)
        case .gatewayNotFound, .eventNotFound:
            self = .notFound(error.message)
        case .storageFull(let message):
            self.init(status: .init(code: 507, reasonPhrase: "Insufficient Storage"), code: "STORAGE_FULL", message: message)
        }
    }

    /// The JSON body of the error response.
    public var body: ErrorBody { ErrorBody(error: .init(code: code, message: message, field: field, line: line)) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse(body, status: status).response(from: request, context: context)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }

    public struct ErrorBody: Codable, Sendable, Equatable {
        public struct Detail: Codable, Sendable, Equatable {
            public var code: String
            public var message: String
            public var field: String?
            public var line: Int?
        }

        public var error: Detail
    }
}
