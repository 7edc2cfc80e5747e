import Foundation
import Hummingbird
import Persistence

/// `/admin/gateways/{id}/events` and `/admin/gateways/{id}/events/{eventName}`.
extension AdminAPI {
    func installEventRoutes<Context: RequestContext>(on admin: RouterGroup<Context>) {
        admin.get("gateways/:id/events") { _, context in
            JSONResponse(EventList(events: try await store.events(gatewayId: gatewayId(context))))
        }
        admin.post("gateways/:id/events") { request, context in
            let id = try gatewayId(context)
            let draft = try await decode(CreateEventRequest.self, from: request).draft(defaultAck: store.gateway(id: id).defaultAck)
            try ScriptCheck.compile(draft.script, field: "script", chunkName: "\(draft.eventName).lua")
            return JSONResponse(try await changingConfig { try await store.createEvent(gatewayId: id, draft) }, status: .created)
        }
        admin.get("gateways/:id/events/:eventName") { _, context in
            JSONResponse(try await store.event(gatewayId: gatewayId(context), eventName: eventName(context)))
        }
        admin.patch("gateways/:id/events/:eventName") { request, context in
            let (id, name) = (try gatewayId(context), eventName(context))
            let patch = try await decode(UpdateEventRequest.self, from: request).patch
            try ScriptCheck.compile(patch.script, field: "script", chunkName: "\(patch.eventName ?? name).lua")
            return JSONResponse(try await changingConfig { try await store.updateEvent(gatewayId: id, eventName: name, patch) })
        }
        admin.delete("gateways/:id/events/:eventName") { _, context in
            try await changingConfig { try await store.deleteEvent(gatewayId: gatewayId(context), eventName: eventName(context)) }
            return Response(status: .noContent)
        }
    }

    /// The `{eventName}` route parameter, percent-decoded (the router matches the raw path).
    private func eventName(_ context: some RequestContext) -> String {
        let raw = context.parameters.get("eventName") ?? ""
        return raw.removingPercentEncoding ?? raw
    }
}
