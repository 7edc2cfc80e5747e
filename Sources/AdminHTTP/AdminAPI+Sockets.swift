import Hummingbird

/// `GET /admin/gateways/{id}/sockets` and `POST /admin/gateways/{id}/sockets/{socketId}/disconnect`: the live sockets
/// of a gateway on every node, and disconnecting one (an emit to one socket is `POST /admin/emit` to the room named by
/// its id).
extension AdminAPI {
    struct SocketList: Encodable {
        var sockets: [AdminSocket]
    }

    func installSocketRoutes<Context: RequestContext>(on admin: RouterGroup<Context>, sockets: any SocketAdministering) {
        admin.get("gateways/{id}/sockets") { _, context in
            let gateway = try await store.gateway(id: gatewayId(context))
            // A disabled gateway is not served: it has no sockets.
            let found = try await sockets.sockets(at: gateway.path) ?? []
            return JSONResponse(SocketList(sockets: found.sorted { ($0.connectedAt, $0.id) < ($1.connectedAt, $1.id) }))
        }
        admin.post("gateways/{id}/sockets/{socketId}/disconnect") { _, context in
            let gateway = try await store.gateway(id: gatewayId(context))
            let socketId = context.parameters.get("socketId") ?? ""
            guard try await sockets.disconnect(socket: socketId, at: gateway.path) else {
                throw AdminError.notFound("gateway \(gateway.path) has no socket '\(socketId)'")
            }
            return Response(status: .noContent)
        }
    }
}
