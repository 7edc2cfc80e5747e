import ArgumentParser
import Logging

/// `--log-level`: one level for every module (`info`), or a default and levels per module
/// (`info,gateway=debug,socketio=warning`; a list of module levels alone keeps `info` for the rest). A module is the
/// Swift module a message comes from (swift-log's `source`, the `module` of a JSON line), named in any case.
struct LogLevels: ExpressibleByArgument, Sendable, Equatable, CustomStringConvertible {
    var standard: Logger.Level
    /// By lowercased module name.
    var modules: [String: Logger.Level]

    init(_ standard: Logger.Level, modules: [String: Logger.Level] = [:]) {
        self.standard = standard
        self.modules = modules
    }

    init?(argument: String) {
        var standard: Logger.Level?
        var modules: [String: Logger.Level] = [:]
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false)
            let levelText = String(pair.last!).trimmingCharacters(in: .whitespaces)
            guard let level = Logger.Level(rawValue: levelText.lowercased()) else { return nil }
            switch pair.count {
            case 1 where standard == nil:
                standard = level
            case 2 where !pair[0].trimmingCharacters(in: .whitespaces).isEmpty:
                modules[pair[0].trimmingCharacters(in: .whitespaces).lowercased()] = level
            default:
                return nil
            }
        }
        self.init(standard ?? .info, modules: modules)
    }

    /// The level messages from `module` must reach.
    func level(of module: String) -> Logger.Level {
        modules.isEmpty ? standard : modules[module.lowercased()] ?? standard
    }

    /// The lowest level any module logs at: what loggers pass on to the handler, which filters by module.
    var lowest: Logger.Level { modules.values.reduce(standard, min) }

    var description: String {
        ([standard.rawValue] + modules.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.rawValue)" }).joined(separator: ",")
    }
}
