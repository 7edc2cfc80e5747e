import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore

extension EngineServer {
    func installRoutes<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.add(middleware: EngineIOPollingMiddleware<Context>(server: self))
    }

    func installWebSocketRoutes<Context: EngineIOWebSocketContext>(on router: Router<Context>) {
        router.add(middleware: EngineIOWebSocketMiddleware<Context>(server: self))
    }

    func matchesPath(_ request: Request) -> Bool {
        var path = request.uri.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path == options.normalizedPath
    }

    func corsHeaders(for request: Request, preflight: Bool) -> HTTPFields {
        options.cors.headers(forOrigin: request.headers[.origin], preflight: preflight)
    }
}

/// Answers the Engine.IO polling requests and lets everything else through.
struct EngineIOPollingMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    let server: EngineServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard server.matchesPath(request) else { return try await next(request, context) }
        var response = await respond(to: request, context: context)
        response.headers.append(contentsOf: server.corsHeaders(for: request, preflight: request.method == .options))
        return response
    }

    private func respond(to request: Request, context: Context) async -> Response {
        if request.method == .options, server.options.cors.isEnabled {
            return Response(status: .noContent)
        }
        let query = HandshakeRequest.queryParameters(of: request)
        switch server.verify(method: request.method, query: query, isUpgrade: false) {
        case .failure(let error):
            return EngineServer.errorResponse(error)
        case .success(let parameters):
            return await server.handlePolling(
                request, parameters: parameters,
                handshake: HandshakeRequest(request: request, remoteAddress: context.remoteAddress)
            )
        }
    }
}

/// Upgrades Engine.IO WebSocket requests that pass verification; refused ones get 400.
struct EngineIOWebSocketMiddleware<Context: EngineIOWebSocketContext>: RouterMiddleware {
    let server: EngineServer
    let upgrade: WebSocketUpgradeMiddleware<Context>

    init(server: EngineServer) {
        self.server = server
        let engine = server
        self.upgrade = WebSocketUpgradeMiddleware(
            shouldUpgrade: { request, _ in
                // A second WebSocket for a session is accepted and closed at once, as the reference
                // server does; browsers report a refused handshake less reliably than a close.
                let sid = HandshakeRequest.queryParameters(of: request)["sid"]
                return Self.verify(request, engine: engine) != nil || sid.map(engine.hasSession) == true
                    ? .upgrade([:]) : .dontUpgrade
            },
            onUpgrade: { inbound, outbound, context in
                // Verified again: the session may have changed since the upgrade was accepted.
                guard let parameters = Self.verify(context.request, engine: engine) else { return }
                let handshake = HandshakeRequest(request: context.request, remoteAddress: context.requestContext.remoteAddress)
                await engine.handleWebSocket(
                    inbound: inbound, outbound: outbound, channel: context.requestContext.channel,
                    parameters: parameters, handshake: handshake)
            }
        )
    }

    private static func verify(_ request: Request, engine: EngineServer) -> EngineServer.RequestParameters? {
        let query = HandshakeRequest.queryParameters(of: request)
        guard case .success(let parameters) = engine.verify(method: request.method, query: query, isUpgrade: true),
              parameters.transport == .websocket
        else { return nil }
        return parameters
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard server.matchesPath(request) else { return try await next(request, context) }
        return try await upgrade.handle(request, context: context, next: next)
    }
}
