import Hummingbird

/// `POST /admin/emit`: the app's backend notifies connected clients (a user, a room, a gateway, everyone).
extension AdminAPI {
    func installEmitRoute<Context: RequestContext>(on admin: RouterGroup<Context>, pusher: any ServerPushing) {
        admin.post("emit") { request, _ in
            let emit = try await decode(EmitRequest.self, from: request)
            let delivered = await pusher.emit(to: emit.target, event: emit.event, args: emit.args)
            return JSONResponse(EmitResponse(delivered: delivered))
        }
    }
}
