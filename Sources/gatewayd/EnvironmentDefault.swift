import ArgumentParser
import Foundation
import Logging

/// Option defaults that an environment variable `GATEWAYD_<NAME>` overrides; the command line overrides both.
///
/// Used as the default value of each `@Option`, so `--help` shows the value that will actually apply.
/// A variable that does not parse stops the program at once (exit 2) rather than being silently ignored.
enum EnvironmentDefault {
    static func value<T: ExpressibleByArgument>(_ name: String, _ fallback: T) -> T {
        guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return fallback }
        guard let value = T(argument: text) else { refuse(name, text) }
        return value
    }

    static func optional<T: ExpressibleByArgument>(_ name: String) -> T? {
        guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return nil }
        guard let value = T(argument: text) else { refuse(name, text) }
        return value
    }

    /// A comma-separated list.
    static func list(_ name: String, default fallback: [String] = []) -> [String] {
        guard let text = ProcessInfo.processInfo.environment[name] else { return fallback }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `1/true/yes/on` or `0/false/no/off`.
    static func flag(_ name: String, _ fallback: Bool) -> Bool {
        guard let text = ProcessInfo.processInfo.environment[name]?.lowercased(), !text.isEmpty else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: refuse(name, text)
        }
    }

    private static func refuse(_ name: String, _ text: String) -> Never {
        FileHandle.standardError.write(Data("gatewayd: environment variable \(name)='\(text)' is not a valid value\n".utf8))
        exit(ExitCode.usageError.rawValue)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
