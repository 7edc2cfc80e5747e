import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore

extension EngineServer {
    func installRoutes<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.add(middleware: EngineIOPollingMiddleware<Context>(server: self))
    }

    func matchesPath(_ request: Request) -> Bool {
        var path = request.uri.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return options.normalizedPaths.contains(path)
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

extension EngineServer {
    typealias WebSocketUpgrade = ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>>

    /// Decides on a WebSocket upgrade request from its head alone, on the connection's event loop.
    ///
    /// Deliberately not a Hummingbird router route: a router upgrade keeps its request context in a box that the
    /// context itself holds (hummingbird-websocket 2.8.1's `WebSocketHandlerReference`), a cycle that outlives the
    /// connection; this closure holds the channel only while the WebSocket is open.
    func webSocketUpgrade(for head: HTTPRequest, channel: any Channel) -> WebSocketUpgrade {
        let request = Request(head: head, body: .init(buffer: ByteBuffer()))
        guard matchesPath(request) else { return .dontUpgrade }
        let query = HandshakeRequest.queryParameters(of: request)
        guard case .success(let parameters) = verify(method: request.method, query: query, isUpgrade: true),
              parameters.transport == .websocket
        else {
            // A second WebSocket for a session is accepted and closed at once, as the reference server does;
            // browsers report a refused handshake less reliably than a close.
            guard let sid = query["sid"], hasSession(sid) else { return .dontUpgrade }
            return .upgrade([:]) { _, _, _ in }
        }
        let handshake = HandshakeRequest(request: request, remoteAddress: channel.remoteAddress)
        return .upgrade([:]) { inbound, outbound, _ in
            await self.handleWebSocket(
                inbound: inbound, outbound: outbound, channel: channel, parameters: parameters, handshake: handshake)
        }
    }
}
