import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

extension EngineServer {
    package func installRoutes<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.add(middleware: EngineIOPollingMiddleware<Context>(server: self))
    }

    func matchesPath(_ request: Request) -> Bool {
        matchesPath(request.uri.path)
    }

    func matchesPath(_ path: String) -> Bool {
        var path = path
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
        let form = FormQuery(of: request.uri)
        let query = form.lastByName
        var response: Response
        if let target = forwardingTarget(of: request, sid: query["sid"]) {
            // The owner's answer carries its own CORS headers.
            if let answer = await server.relayPolling(request, to: target) { return answer }
            response = EngineServer.errorResponse(.unknownSession)
        } else {
            response = await respond(to: request, form: form, query: query, context: context)
        }
        response.headers.append(contentsOf: server.corsHeaders(for: request, preflight: request.method == .options))
        return response
    }

    /// Where a poll or a POST for another node's session goes; a preflight is answered here.
    private func forwardingTarget(of request: Request, sid: String?) -> SessionRoute.Target? {
        guard request.method == .get || request.method == .post else { return nil }
        return server.forwardingTarget(sid: sid, forwardedBy: request.headers[PollingRelay.forwardedBy])
    }

    /// `query` is `form` by name (the last value of a repeated one).
    private func respond(to request: Request, form: FormQuery, query: [String: String], context: Context) async -> Response {
        if request.method == .options, server.options.cors.isEnabled {
            return Response(status: .noContent)
        }
        switch server.verify(method: request.method, query: query, isUpgrade: false) {
        case .failure(let error):
            return EngineServer.errorResponse(error)
        case .success(let parameters):
            if parameters.session == nil, let refusal = server.admitsNewSession(from: context.remoteAddress) {
                return EngineServer.refusalResponse(refusal)
            }
            return await server.handlePolling(
                request, parameters: parameters,
                handshake: HandshakeRequest(request: request, query: form, remoteAddress: context.remoteAddress)
            )
        }
    }
}

extension EngineServer {
    /// What to do with a WebSocket upgrade request.
    enum WebSocketAdmission: Sendable {
        /// Not ours, or not valid: answered `400`.
        case refused
        /// A new session over its address's limits: answered `429`.
        case limited(AddressLimitRefusal)
        /// A second WebSocket for a session: accepted and closed at once, as the reference server does; browsers
        /// report a refused handshake less reliably than a close.
        case closedAtOnce
        /// A new WebSocket session (no `sid`), or the upgrade of a polling one, with the transport made for it; it
        /// writes nothing until its pipeline is attached.
        case admitted(RequestParameters, HandshakeRequest, WebSocketTransport)
    }

    /// Decides on a WebSocket upgrade request from its head alone, on the connection's event loop.
    func webSocketAdmission(for head: HTTPRequestHead, channel: any Channel) -> WebSocketAdmission {
        guard let head = try? HTTPRequest(head, secure: false, splitCookie: false) else { return .refused }
        let request = Request(head: head, body: .init(buffer: ByteBuffer()))
        guard matchesPath(request) else { return .refused }
        let form = FormQuery(of: request.uri)
        let query = form.lastByName
        guard case .success(let parameters) = verify(method: request.method, query: query, isUpgrade: true),
              parameters.transport == .websocket
        else {
            guard let sid = query["sid"], hasSession(sid) else { return .refused }
            return .closedAtOnce
        }
        if parameters.session == nil, let refusal = admitsNewSession(from: channel.remoteAddress) { return .limited(refusal) }
        let webSocket = WebSocketTransport(
            channel: channel, version: parameters.version, limit: options.maxOutboundBufferBytes,
            budget: environment.outboundBudget, flusher: flusher(for: channel.eventLoop))
        return .admitted(parameters, HandshakeRequest(request: request, query: form, remoteAddress: channel.remoteAddress), webSocket)
    }
}
