import Foundation
import JSONCore

/// One JSON settings file of the handlers folder (`gateway.json`, `events/<name>.json`), read strictly:
/// a key the format does not know or a value of the wrong type is an error naming the file and the key.
struct SettingsFile {
    let file: String
    private let object: [String: JSONValue]
    /// What a key is named in errors: `recovery.` for the members of the `recovery` object, empty at the top.
    private let prefix: String

    init(file: String, allowedKeys: Set<String>) throws(HandlersFolderError) {
        self.file = file
        let text = try HandlersFolder.readText(file)
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text)
        } catch {
            throw HandlersFolderError(.invalidJSON, file: file, message: "is not valid JSON: \(error)")
        }
        guard case .object(let object) = value else {
            throw HandlersFolderError(.invalidJSON, file: file, message: "must be a JSON object")
        }
        if let unknown = object.keys.filter({ !allowedKeys.contains($0) }).sorted().first {
            throw HandlersFolderError(
                .unknownKey,
                file: file,
                field: unknown,
                message: "is not a known key (known: \(allowedKeys.sorted().joined(separator: ", ")))"
            )
        }
        self.object = object
        self.prefix = ""
    }

    /// The members of an object nested in a settings file, read by the same strict rules, their errors naming
    /// `<prefix><key>`.
    private init(file: String, object: [String: JSONValue], prefix: String) {
        self.file = file
        self.object = object
        self.prefix = prefix
    }

    func string(_ key: String) throws(HandlersFolderError) -> String? {
        try value(key, expected: "a string") { if case .string(let string) = $0 { string } else { nil } }
    }

    func bool(_ key: String) throws(HandlersFolderError) -> Bool? {
        try value(key, expected: "true or false") { if case .bool(let bool) = $0 { bool } else { nil } }
    }

    func integer(_ key: String) throws(HandlersFolderError) -> Int? {
        try value(key, expected: "an integer") { if case .int(let int) = $0 { int } else { nil } }
    }

    func ackMode(_ key: String) throws(HandlersFolderError) -> AckMode? {
        let names = AckMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
        return try value(key, expected: names) { if case .string(let string) = $0 { AckMode(rawValue: string) } else { nil } }
    }

    /// `{"<collection>": ["field", "nested.field"]}`.
    func indexes(_ key: String) throws(HandlersFolderError) -> [String: [String]]? {
        try value(key, expected: "an object of collection names to arrays of field paths") { raw in
            guard let members = raw.objectValue else { return nil }
            var indexes: [String: [String]] = [:]
            for (collection, fields) in members {
                guard let paths = fields.arrayValue?.compactMap(\.stringValue), paths.count == fields.arrayValue?.count else { return nil }
                indexes[collection] = paths
            }
            return indexes
        }
    }

    /// `{"enabled": true, "maxDisconnectionMs": 120000, "skipConnectionHandler": true}`: absent keys take their
    /// defaults; an unknown key or a value of the wrong type is an error naming `recovery.<key>`. The range of
    /// `maxDisconnectionMs` is the draft's to check (`GatewayDraft.validate`).
    func recovery(_ key: String) throws(HandlersFolderError) -> GatewayRecovery? {
        let names = GatewayRecovery.fieldNames
        guard let members = try value(key, expected: "an object with \(names.joined(separator: ", "))", \.objectValue) else {
            return nil
        }
        let field = prefix + key
        if let unknown = members.keys.filter({ !names.contains($0) }).sorted().first {
            throw HandlersFolderError(
                .unknownKey, file: file, field: "\(field).\(unknown)",
                message: "is not a known key (known: \(names.joined(separator: ", ")))")
        }
        let nested = SettingsFile(file: file, object: members, prefix: "\(field).")
        let defaults = GatewayRecovery.disabled
        return GatewayRecovery(
            enabled: try nested.bool("enabled") ?? defaults.enabled,
            maxDisconnectionMs: try nested.integer("maxDisconnectionMs") ?? defaults.maxDisconnectionMs,
            skipConnectionHandler: try nested.bool("skipConnectionHandler") ?? defaults.skipConnectionHandler)
    }

    func invalid(_ error: ConfigStoreError) -> HandlersFolderError {
        HandlersFolderError(.invalidField, file: file, field: error.field, message: error.message)
    }

    private func value<T>(_ key: String, expected: String, _ extract: (JSONValue) -> T?) throws(HandlersFolderError) -> T? {
        guard let raw = object[key] else { return nil }
        guard let value = extract(raw) else {
            throw HandlersFolderError(.invalidField, file: file, field: prefix + key, message: "must be \(expected)")
        }
        return value
    }
}
