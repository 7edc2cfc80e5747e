/// Why the `handlers/` folder could not be loaded or synced, naming the file (and field) to fix.
///
/// Any of these stops the sync before the database is changed.
public struct HandlersFolderError: Error, Sendable, CustomStringConvertible {
    /// Stable, machine-readable reasons.
    public enum Code: String, Sendable {
        /// A folder or file could not be read, or is not UTF-8.
        case unreadable = "unreadable"
        /// A gateway folder has no `gateway.json`.
        case missingFile = "missing_file"
        /// A `.lua` or `.json` file the format does not know (usually a misspelt name), or an event `.json`
        /// without its `.lua`.
        case unexpectedFile = "unexpected_file"
        case invalidJSON = "invalid_json"
        case unknownKey = "unknown_key"
        case missingField = "missing_field"
        /// A value of the wrong type, or one that breaks a `ConfigRules` rule.
        case invalidField = "invalid_field"
        /// Two gateway folders declare the same `path`.
        case duplicatePath = "duplicate_path"
        /// A gateway created through the admin API already serves the folder gateway's `path`.
        case pathTakenByAPIGateway = "path_taken_by_api_gateway"
        /// The script validator refused a script; `underlying` is its error.
        case scriptRejected = "script_rejected"
    }

    public let code: Code
    /// The file (or folder) at fault, as a path under the handlers folder given to the loader.
    public let file: String
    /// The JSON key at fault, in the product's spelling, when there is one.
    public let field: String?
    public let message: String
    /// The line of `file` at fault, for `.scriptRejected` when the validator's error tells it.
    public let line: Int?
    /// The validator's error for `.scriptRejected`, unchanged.
    public let underlying: (any Error)?

    init(_ code: Code, file: String, field: String? = nil, message: String, line: Int? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.file = file
        self.field = field
        self.message = message
        self.line = line
        self.underlying = underlying
    }

    /// A script rejected by `validate`, described by the validator's error.
    static func scriptRejected(file: String, by error: any Error) -> HandlersFolderError {
        guard let failure = error as? any ScriptCompileFailure else {
            return HandlersFolderError(.scriptRejected, file: file, message: "\(error)", underlying: error)
        }
        return HandlersFolderError(.scriptRejected, file: file, message: failure.message, line: failure.line, underlying: error)
    }

    /// One line for people: `file:line: message` or `file: 'field' message`. A compiler message that already
    /// starts with the file name is not prefixed twice.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        if message.hasPrefix(location + ":") || message.hasPrefix(file + ":") { return message }
        if let field { return "\(location): '\(field)' \(message)" }
        return "\(location): \(message)"
    }
}
