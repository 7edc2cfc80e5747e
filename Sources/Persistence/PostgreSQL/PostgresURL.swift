import Foundation
import PostgresNIO

/// A `postgres://` (or `postgresql://`) URL as `--db` gives it, read as libpq reads one:
/// `postgres://user:password@host:port/database?sslmode=…&options=…&application_name=…&connect_timeout=…`.
/// The port defaults to 5432, the database to the user's name, `sslmode` to `prefer`.
struct PostgresURL: Sendable {
    static let schemes = ["postgres", "postgresql"]

    let configuration: PostgresConnection.Configuration
    /// `host:port/database`: what messages name (never the password).
    let endpoint: String

    /// Whether `text` asks for PostgreSQL at all (whatever else is wrong with it).
    static func names(_ text: String) -> Bool {
        schemes.contains { text.lowercased().hasPrefix("\($0)://") }
    }

    init(_ text: String) throws(DatabaseURLError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), Self.schemes.contains(scheme) else {
            throw DatabaseURLError("--db: not a postgres:// URL (postgres://user:password@host:port/database)")
        }
        guard let host = url.host?.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), !host.isEmpty else {
            throw DatabaseURLError("--db \(scheme)://…: the URL names no host")
        }
        guard !host.contains(",") else {
            throw DatabaseURLError("--db \(scheme)://…: one host only (\(host))")
        }
        guard let user = url.user, !user.isEmpty else {
            throw DatabaseURLError("--db \(scheme)://…@\(host): the URL names no user")
        }
        let port = url.port ?? 5432
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        let database = path.isEmpty ? user : path
        endpoint = "\(host):\(port)/\(database)"

        var tls = PostgresConnection.Configuration.TLS.disable
        var options = PostgresConnection.Configuration.Options()
        var sslMode = "prefer"
        for item in url.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode": sslMode = value
            case "options", "application_name": options.additionalStartupParameters.append((item.name, value))
            case "connect_timeout":
                guard let seconds = Int64(value), seconds > 0 else {
                    throw DatabaseURLError("--db \(endpoint): connect_timeout must be a positive number of seconds")
                }
                options.connectTimeout = .seconds(seconds)
            default:
                throw DatabaseURLError(
                    "--db \(endpoint): unknown parameter \(item.name) (sslmode, options, application_name, connect_timeout)")
            }
        }
        do {
            tls = try Self.tls(sslMode)
        } catch {
            throw DatabaseURLError("--db \(endpoint): sslmode=\(sslMode): \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: url.password.flatMap { $0.isEmpty ? nil : $0 },
            database: database, tls: tls)
        configuration.options = options
        self.configuration = configuration
    }

    /// libpq's `sslmode`: `disable`; `prefer` and `require` encrypt without checking the certificate; `verify-ca`
    /// checks it against the system's roots, `verify-full` its host name too.
    private static func tls(_ mode: String) throws -> PostgresConnection.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case "disable":
            return .disable
        case "prefer", "require":
            tls.certificateVerification = .none
        case "verify-ca":
            tls.certificateVerification = .noHostnameVerification
        case "verify-full":
            tls.certificateVerification = .fullVerification
        default:
            throw DatabaseURLError("expected disable, prefer, require, verify-ca or verify-full")
        }
        let context = try NIOSSLContext(configuration: tls)
        return mode == "prefer" ? .prefer(context) : .require(context)
    }
}
