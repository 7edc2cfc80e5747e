import Foundation
import JSONCore
import Persistence
import ScriptSandbox

/// Runs one handler in the sandbox with a recording `SOCKET`, for `POST /admin/test/run` and
/// `gatewayd test-run`.
///
/// Which script runs, and what `GATEWAY` is:
/// - `script` given: it runs. `GATEWAY` is the stored gateway's path when `gatewayId`/`gatewayPath` names
///   one, else `gatewayPath` as given, else `/`. Only a `gatewayId` that matches nothing is refused
///   (`GATEWAY_NOT_FOUND`): an id can only mean a stored gateway.
/// - no `script`: the stored handler runs — the event's script (else the gateway's fallback script) for
///   `websocket_event`, the connection script for `websocket_connection`. `GATEWAY_NOT_FOUND` when no gateway
///   matches (or none was named), `MISSING_SCRIPT` when the gateway has no such handler.
///
/// `DB` runs against the real collections inside one transaction that is rolled back at the end unless the request
/// says `commit` (a failed run is always rolled back); the report lists the run's `writes`.
///
/// A script that does not compile, or a handler that fails, is a report with `success: false`, not an error.
public struct TestRunner: Sendable {
    /// `DB` for one test run: committing or not, on behalf of a user id; the writes it made, read after the run.
    public typealias DataFactory = @Sendable (_ commit: Bool, _ userId: String?) -> (
        data: any HandlerData, writes: @Sendable () -> [CollectionChange])

    public static let defaultTimeoutMs = 5000

    let store: any ConfigStore
    let pool: ScriptWorkerPool
    /// The daemon's `--socket-data-limit`, so a test run keeps `SOCKET.data` as a real socket would.
    let socketDataBytes: Int
    /// The daemon's token rules, so `AUTH` in a test run signs and verifies as the gateways do.
    let auth: (any HandlerAuth)?
    let data: DataFactory?

    public init(
        store: any ConfigStore, pool: ScriptWorkerPool, socketDataBytes: Int = HandlerLimits.defaultSocketDataBytes,
        auth: (any HandlerAuth)? = nil, data: DataFactory? = nil
    ) {
        self.store = store
        self.pool = pool
        self.socketDataBytes = socketDataBytes
        self.auth = auth
        self.data = data
    }

    /// Throws ``AdminError`` for a request that cannot run (400 `INVALID_TEST_KIND`, `MISSING_EVENT_NAME`,
    /// `GATEWAY_NOT_FOUND`, `MISSING_SCRIPT`; 422 `VALIDATION_ERROR`), or a storage error.
    public func run(_ request: TestRunRequest) async throws -> TestRunReport {
        let (kind, eventName, timeoutMs, user, handshake, socketData) = try Self.checked(request)
        let gateway = try await findGateway(request)
        let (source, chunkName) = try await script(for: request, kind: kind, eventName: eventName, gateway: gateway)
        let compiled: CompiledScript
        do {
            compiled = try CompiledScript.compile(source: source, chunkName: chunkName)
        } catch {
            return TestRunReport(syntaxError: error, socketData: socketData)
        }

        let args: [JSONValue] = switch kind {
        case .websocketEvent: request.args.map { $0.map(\.value) } ?? request.payload.map { [$0.value] } ?? []
        case .websocketConnection: []
        }
        let context = HandlerContext(
            args: args,
            event: kind == .websocketEvent ? eventName : "connection",
            requestId: UUID().uuidString.lowercased(),
            gatewayPath: gateway?.path ?? request.gatewayPath ?? "/",
            user: user,
            handshake: handshake)
        let socket = RecordingSocket(data: socketData)
        let limits = HandlerLimits(timeoutMilliseconds: timeoutMs, socketDataBytes: socketDataBytes)
        let data = data?(request.commit ?? false, HandlerUser.id(of: user))
        let outcome = await pool.run(
            compiled, context: context, socket: socket, services: HandlerServices(auth: auth, data: data?.data), limits: limits)
        return TestRunReport(outcome: outcome, calls: socket.calls, socketData: socket.data, writes: data?.writes() ?? [])
    }

    private func findGateway(_ request: TestRunRequest) async throws -> GatewayRecord? {
        if let id = request.gatewayId {
            do {
                return try await store.gateway(id: id)
            } catch ConfigStoreError.gatewayNotFound {
                throw Self.badRequest("GATEWAY_NOT_FOUND", "no gateway with id \(id)", field: "gatewayId")
            }
        }
        guard let path = request.gatewayPath else { return nil }
        return try await store.gateway(path: path)
    }

    /// The script to run and the chunk name its errors carry.
    private func script(
        for request: TestRunRequest, kind: TestRunKind, eventName: String, gateway: GatewayRecord?
    ) async throws -> (source: String, chunkName: String) {
        if let script = request.script { return (script, kind == .websocketEvent ? "\(eventName).lua" : "connection.lua") }
        guard let gateway else {
            let message = request.gatewayPath.map { "no gateway serves '\($0)', and no script was given" }
                ?? "name a gateway (gatewayPath or gatewayId) or give a script"
            throw Self.badRequest("GATEWAY_NOT_FOUND", message, field: "gatewayPath")
        }
        switch kind {
        case .websocketConnection:
            guard let script = gateway.connectionScript else {
                throw Self.badRequest("MISSING_SCRIPT", "gateway '\(gateway.path)' has no connection script, and no script was given", field: "script")
            }
            return (script, "connection.lua")
        case .websocketEvent:
            do {
                return (try await store.event(gatewayId: gateway.id, eventName: eventName).script, "\(eventName).lua")
            } catch ConfigStoreError.eventNotFound {
                guard let fallback = gateway.fallbackScript else {
                    throw Self.badRequest(
                        "MISSING_SCRIPT", "gateway '\(gateway.path)' has no handler for '\(eventName)' and no fallback handler, and no script was given",
                        field: "script")
                }
                return (fallback, "fallback.lua")
            }
        }
    }

    private static func badRequest(_ code: String, _ message: String, field: String) -> AdminError {
        AdminError(status: .badRequest, code: code, message: message, field: field)
    }

    /// `USER`: the claims object, with `id` taken from `sub` when absent. `null` means anonymous.
    /// What the request asks for, each field checked, before anything is looked up.
    static func checked(_ request: TestRunRequest) throws(AdminError) -> (
        kind: TestRunKind, eventName: String, timeoutMs: Int, user: JSONValue?, handshake: JSONValue, socketData: JSONValue?
    ) {
        guard let kind = request.kind.flatMap(TestRunKind.init(rawValue:)) else {
            throw Self.badRequest(
                "INVALID_TEST_KIND", "kind must be \"websocket_event\" or \"websocket_connection\"", field: "kind")
        }
        let eventName = request.eventName ?? ""
        if kind == .websocketEvent, eventName.isEmpty {
            throw Self.badRequest("MISSING_EVENT_NAME", "eventName is required for a websocket_event test", field: "eventName")
        }
        let timeoutMs = request.timeoutMs ?? Self.defaultTimeoutMs
        guard ConfigRules.timeoutRangeMs.contains(timeoutMs) else {
            throw AdminError.validation(
                field: "timeoutMs",
                "must be between \(ConfigRules.timeoutRangeMs.lowerBound) and \(ConfigRules.timeoutRangeMs.upperBound) milliseconds")
        }
        return (kind, eventName, timeoutMs, try user(from: request.user?.value), try handshake(over: request.handshake?.value),
                try socketData(from: request.socketData?.value))
    }

    static func user(from value: JSONValue?) throws(AdminError) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        guard let claims = value.objectValue else { throw .validation(field: "user", "must be an object of claims") }
        guard let user = HandlerUser.from(claims: claims) else {
            throw .validation(field: "user.id", "is required (a string, or given as 'sub')")
        }
        return user
    }

    /// `SOCKET.data` at the start of the run: an object, nil (empty) when absent, null or `{}`.
    static func socketData(from value: JSONValue?) throws(AdminError) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        guard let members = value.objectValue else { throw .validation(field: "socketData", "must be an object") }
        return members.isEmpty ? JSONValue?.none : value
    }

    /// `HANDSHAKE`: the given fields over the defaults a real connection from loopback would have.
    static func handshake(over value: JSONValue?, now: Date = Date()) throws(AdminError) -> JSONValue {
        var handshake: [String: JSONValue] = [
            "headers": [:], "query": [:], "auth": [:], "address": "127.0.0.1",
            "time": .string(now.formatted(.iso8601)), "url": "/socket.io/",
        ]
        guard let value, !value.isNull else { return .object(handshake) }
        guard let given = value.objectValue else { throw .validation(field: "handshake", "must be an object") }
        handshake.merge(given) { _, new in new }
        return .object(handshake)
    }
}
