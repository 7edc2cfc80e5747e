import AdminHTTP
import ArgumentParser
import Foundation
import Gateway
import JSONCore
import Persistence
import ScriptSandbox

/// `gatewayd test-run`: `POST /admin/test/run` without a running daemon, for handler authors' CI.
///
/// Prints the same JSON the endpoint answers. Exit 0 when the handler succeeded, 1 when it failed
/// (including a syntax error), 2 when the request cannot run (the JSON error on stdout says why).
struct TestRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-run",
        abstract: "Run one handler in the sandbox with a recording SOCKET and print the outcome as JSON.",
        discussion: "Exit status: 0 the handler succeeded, 1 it failed, 2 the request is invalid.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var jwt: JWTOptions

    @Option(help: "websocket_event or websocket_connection.")
    var kind = TestRunKind.websocketEvent.rawValue
    @Option(help: "The gateway's path, e.g. /chat.")
    var gatewayPath: String?
    @Option(help: "The gateway's id.")
    var gatewayId: Int64?
    @Option(help: "The event whose handler runs (websocket_event).")
    var eventName: String?
    @Option(help: "Lua source to run instead of the saved handler.")
    var script: String?
    @Option(help: "A file with the Lua source to run instead of the saved handler.")
    var scriptFile: String?
    @Option(help: "JSON: BODY, and ARGS = {payload}.")
    var payload: String?
    @Option(help: "JSON array: ARGS (BODY is its first element).")
    var args: String?
    @Option(help: "JSON object: USER (needs id or sub).")
    var user: String?
    @Option(help: "JSON object merged over the default HANDSHAKE.")
    var handshake: String?
    @Option(help: "Time limit in milliseconds.")
    var timeoutMs = TestRunner.defaultTimeoutMs
    @Option(help: "JSON object: SOCKET.data at the start of the run (the output shows what the run left in it).")
    var socketData: String?
    @Flag(help: "Keep what the run wrote to collections (by default it is rolled back; the output lists the writes).")
    var commit = false

    func validate() throws {
        if script != nil, scriptFile != nil { throw ValidationError("give --script or --script-file, not both") }
    }

    func run() async throws {
        _ = common.bootstrapLogging()
        let request = TestRunRequest(
            kind: kind, gatewayPath: gatewayPath, gatewayId: gatewayId, eventName: eventName,
            script: try script ?? scriptFile.map(Self.read), payload: try payload.map { try Self.json($0, option: "payload") },
            args: try args.map { try Self.jsonArray($0) }, user: try user.map { try Self.json($0, option: "user") },
            handshake: try handshake.map { try Self.json($0, option: "handshake") }, timeoutMs: timeoutMs,
            socketData: try socketData.map { try Self.json($0, option: "socket-data") }, commit: commit)
        let store = try Stores.open(common.databasePath)
        let pool = ScriptWorkerPool(workers: 1)
        defer { pool.shutdown() }
        do {
            // Change hooks run in the daemon only: a committed write here fires none.
            let runner = TestRunner(
                store: store, pool: pool, auth: try GatewayAuthenticator(secret: jwt.resolved),
                data: { commit, _ in
                    let data = CollectionData(testRunOn: store.testRunCollections, commit: commit) { _ in }
                    return (data, { data.writes })
                })
            let report = try await runner.run(request)
            try printJSON(report)
            if !report.success { throw ExitCode.failure }
        } catch let error as AdminError {
            try printJSON(error.body)
            throw ExitCode.usageError
        }
    }

    private func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(value) + Data("\n".utf8))
    }

    private static func read(_ file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--script-file \(file) cannot be read as UTF-8 text")
        }
        return text
    }

    private static func json(_ text: String, option: String) throws -> AnyJSON {
        do {
            return AnyJSON(try JSONValue(parsing: text))
        } catch {
            throw ValidationError("--\(option) is not valid JSON: \(error)")
        }
    }

    private static func jsonArray(_ text: String) throws -> [AnyJSON] {
        guard let items = try json(text, option: "args").value.arrayValue else {
            throw ValidationError("--args must be a JSON array")
        }
        return items.map(AnyJSON.init)
    }
}
