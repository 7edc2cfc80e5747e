import ArgumentParser

/// `--log-format`: swift-log's text lines, or one JSON object a line.
enum LogFormat: String, ExpressibleByArgument, Sendable, CaseIterable {
    case text
    case json
}
