import Foundation
import JSONCore
import Logging

/// `--log-format json`: one JSON object a line on stderr — `ts` (UTC, milliseconds), `level`, `module` (the Swift
/// module that logged), `msg`, then the message's metadata (the logger's, the provider's and the call's, in that
/// order of precedence, lowest first), keys sorted; `error` when the event carries one. Fixed fields win over metadata
/// of the same name.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let called = event.metadata { fields.merge(called) { $1 } }
        let fixed = ["ts", "level", "module", "msg"]
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(UInt8(ascii: "{"))
        append("ts", .string(Self.timestamp(Date())), to: &line, first: true)
        append("level", .string(event.level.rawValue), to: &line)
        append("module", .string(event.source), to: &line)
        append("msg", .string(event.message.description), to: &line)
        if let error = event.error, fields["error"] == nil { fields["error"] = .string(String(describing: error)) }
        for key in fields.keys.sorted() where !fixed.contains(key) {
            append(key, Self.json(fields[key]!), to: &line)
        }
        line.append(contentsOf: Array("}\n".utf8))
        Self.writeToStandardError(line)
    }

    private func append(_ key: String, _ value: JSONValue, to line: inout [UInt8], first: Bool = false) {
        if !first { line.append(UInt8(ascii: ",")) }
        JSONValue.writeString(key, into: &line)
        line.append(UInt8(ascii: ":"))
        value.write(into: &line)
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }

    /// `2026-12-06T18:43:57.123Z`.
    static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&whole, &parts)
        let milliseconds = min(999, Int((seconds - seconds.rounded(.down)) * 1000))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, milliseconds)
    }

    /// One `write(2)` a line, so that lines from several threads do not mix.
    private static func writeToStandardError(_ line: [UInt8]) {
        line.withUnsafeBytes { bytes in _ = Foundation.write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}
