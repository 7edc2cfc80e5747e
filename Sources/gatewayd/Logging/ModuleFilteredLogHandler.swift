import Logging

/// Passes on what its module's ``LogLevels`` level lets through (`--log-level gateway=debug`): the loggers themselves
/// pass on everything from the lowest configured level up.
struct ModuleFilteredLogHandler<Inner: LogHandler>: LogHandler {
    var inner: Inner
    let levels: LogLevels

    init(_ inner: Inner, levels: LogLevels) {
        self.inner = inner
        self.levels = levels
        self.inner.logLevel = levels.lowest
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= levels.level(of: event.source) else { return }
        inner.log(event: event)
    }
}
