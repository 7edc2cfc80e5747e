import Hummingbird
import Persistence

/// `/admin/gateways` and `/admin/gateways/{id}`.
extension AdminAPI {
    func installGatewayRoutes<Context: RequestContext>(on admin: RouterGroup<Context>) {
        admin.get("gateways") { _, _ in
            JSONResponse(GatewayList(gateways: try await store.gateways()))
        }
        admin.post("gateways") { request, _ in
            let draft = try await decode(CreateGatewayRequest.self, from: request).draft
            try Self.compileScripts(
                connection: draft.connectionScript, disconnect: draft.disconnectScript, fallback: draft.fallbackScript, hooks: draft.hooks)
            return JSONResponse(try await changingConfig { try await store.createGateway(draft) }, status: .created)
        }
        admin.get("gateways/:id") { _, context in
            JSONResponse(try await store.gateway(id: gatewayId(context)))
        }
        admin.patch("gateways/:id") { request, context in
            let id = try gatewayId(context)
            let patch = try await decode(UpdateGatewayRequest.self, from: request).patch
            try Self.compileScripts(
                connection: patch.connectionScript.newValue, disconnect: patch.disconnectScript.newValue,
                fallback: patch.fallbackScript.newValue, hooks: patch.hooks ?? [:])
            return JSONResponse(try await changingConfig { try await store.updateGateway(id: id, patch) })
        }
        admin.delete("gateways/:id") { _, context in
            try await changingConfig { try await store.deleteGateway(id: gatewayId(context)) }
            return Response(status: .noContent)
        }
    }

    private static func compileScripts(
        connection: String?, disconnect: String?, fallback: String?, hooks: [String: String]
    ) throws(AdminError) {
        try ScriptCheck.compile(connection, field: "connectionScript", chunkName: "connection.lua")
        try ScriptCheck.compile(disconnect, field: "disconnectScript", chunkName: "disconnect.lua")
        try ScriptCheck.compile(fallback, field: "fallbackScript", chunkName: "fallback.lua")
        for (collection, source) in hooks.sorted(by: { $0.key < $1.key }) {
            try ScriptCheck.compile(source, field: "hooks.\(collection)", chunkName: "hooks/\(collection).lua")
        }
    }
}

extension NullableUpdate {
    /// The value a `set` writes; nil for `keep` and `clear`.
    var newValue: Value? {
        if case .set(let value) = self { return value }
        return nil
    }
}
