import Foundation
import Hummingbird
import Logging
import NIOCore
import Persistence

/// The admin HTTP API: gateway, event and collection CRUD, handler test runs, `GET /healthz` and `GET /metrics`,
/// mounted on the daemon's router next to the Socket.IO endpoint.
///
/// Every `/admin/*` route goes through ``AdminAuthMiddleware`` and answers JSON, errors included
/// (``AdminError``). Scripts are compiled before they are saved: a syntax error is 422
/// `SCRIPT_SYNTAX_ERROR` with the line, and nothing is stored.
public struct AdminAPI: Sendable {
    let store: any ConfigStore
    let runner: TestRunner
    let access: AdminAccess
    let version: String
    let maxRequestBytes: Int
    /// Serves `POST /admin/emit` when set.
    let pusher: (any ServerPushing)?
    /// Serves the live socket routes when set.
    let sockets: (any SocketAdministering)?
    /// The cluster this node serves in, if any.
    let cluster: AdminCluster?
    /// Serves `GET /metrics` when set.
    let metrics: AdminMetrics?
    /// Told of every collection write the admin API committed (the daemon runs the change hooks).
    let onCommit: @Sendable ([CollectionChange]) -> Void
    /// Awaited after every gateway or event change, before the response: the daemon serves the change by then.
    let onConfigChange: @Sendable () async -> Void
    let logger: Logger

    public init(
        store: any ConfigStore, runner: TestRunner, access: AdminAccess, version: String,
        maxRequestBytes: Int = 4 << 20, pusher: (any ServerPushing)? = nil, sockets: (any SocketAdministering)? = nil,
        cluster: AdminCluster? = nil,
        metrics: AdminMetrics? = nil,
        onCommit: @escaping @Sendable ([CollectionChange]) -> Void = { _ in },
        onConfigChange: @escaping @Sendable () async -> Void = {},
        logger: Logger = Logger(label: "gatewayd.admin")
    ) {
        self.onCommit = onCommit
        self.onConfigChange = onConfigChange
        self.store = store
        self.runner = runner
        self.access = access
        self.version = version
        self.maxRequestBytes = maxRequestBytes
        self.pusher = pusher
        self.sockets = sockets
        self.cluster = cluster
        self.metrics = metrics
        self.logger = logger
    }

    public func install<Context: RemoteAddressRequestContext>(on router: some RouterMethods<Context>) {
        router.get("healthz") { _, _ in await health() }
        WebConsole.install(on: router)
        if let metrics {
            let errors = AdminErrorMiddleware<Context>(logger: logger)
            let scrape = metrics.isPublic ? router.group("metrics").add(middleware: errors)
                : router.group("metrics").add(middleware: errors).add(middleware: AdminAuthMiddleware<Context>(access: access))
            scrape.get { _, _ in metrics.response() }
        }
        let admin = router.group("admin")
            .add(middleware: AdminErrorMiddleware<Context>(logger: logger))
            .add(middleware: AdminAuthMiddleware<Context>(access: access))
        installGatewayRoutes(on: admin)
        installEventRoutes(on: admin)
        installCollectionRoutes(on: admin)
        if let pusher { installEmitRoute(on: admin, pusher: pusher) }
        if let sockets { installSocketRoutes(on: admin, sockets: sockets) }
        installClusterRoute(on: admin)
        admin.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        admin.post("test/run") { request, _ in
            JSONResponse(try await runner.run(decode(TestRunRequest.self, from: request)))
        }
    }

    /// Runs a change of gateways or events, then lets the daemon apply it before the response is sent.
    func changingConfig<T>(_ change: () async throws -> T) async throws -> T {
        let result = try await change()
        await onConfigChange()
        return result
    }

    func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        try await RequestBody.decode(type, from: request, maxBytes: maxRequestBytes)
    }

    /// The `{id}` route parameter; an id that is not a number names no gateway.
    func gatewayId(_ context: some RequestContext) throws -> Int64 {
        let raw = context.parameters.get("id") ?? ""
        guard let id = Int64(raw) else { throw AdminError.notFound("no gateway with id '\(raw)'") }
        return id
    }
}
