import ArgumentParser
import Gateway
import Logging

/// The options every command shares: where the database is and how much to log.
struct CommonOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: "SQLite database file, created if missing, or a postgres://user:password@host:port/database URL for PostgreSQL (env GATEWAYD_DB).")
    var databasePath: String = EnvironmentDefault.value("GATEWAYD_DB", "gatewayd.sqlite")

    @Option(help: "trace, debug, info, notice, warning, error or critical, for every module or per module: 'info,gateway=debug,socketio=warning'; logs go to stderr (env GATEWAYD_LOG_LEVEL).")
    var logLevel: LogLevels = EnvironmentDefault.value("GATEWAYD_LOG_LEVEL", LogLevels(.info))

    @Option(help: "text, or json for one JSON object a line (env GATEWAYD_LOG_FORMAT).")
    var logFormat: LogFormat = EnvironmentDefault.value("GATEWAYD_LOG_FORMAT", .text)

    /// Sends logs to stderr (stdout carries the readiness line and command output) in `logFormat`, at each module's
    /// `logLevel`. Call once, first thing in `run()`.
    func bootstrapLogging() -> Logger {
        let levels = logLevel, format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text: ModuleFilteredLogHandler(StreamLogHandler.standardError(label: label), levels: levels)
            case .json: ModuleFilteredLogHandler(JSONLogHandler(label: label), levels: levels)
            }
        }
        return Logger(label: "gatewayd")
    }
}

/// Where the `handlers/` folder is.
struct HandlersOptions: ParsableArguments {
    @Option(name: .customLong("handlers"), help: "The handlers folder to sync into the database (env GATEWAYD_HANDLERS).")
    var handlersFolder: String = EnvironmentDefault.value("GATEWAYD_HANDLERS", "handlers")
}

/// The secret users' tokens are signed with: `serve` verifies and signs with it, `test-run` too (`AUTH` in a test run).
struct JWTOptions: ParsableArguments {
    @Option(help: "HMAC secret (at least 32 bytes) that users' JWTs are signed with (env GATEWAYD_JWT_SECRET).")
    var jwtSecret: String?

    // A secret has no declared default, so `--help` never prints one read from the environment.
    var resolved: String? {
        (jwtSecret ?? EnvironmentDefault.optional("GATEWAYD_JWT_SECRET")).flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        if let secret = resolved, secret.utf8.count < GatewayAuthenticator.minimumSecretBytes {
            throw ValidationError(
                "--jwt-secret (GATEWAYD_JWT_SECRET) must be at least \(GatewayAuthenticator.minimumSecretBytes) bytes, got \(secret.utf8.count)")
        }
    }
}
