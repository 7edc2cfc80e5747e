import Hummingbird

/// `GET /healthz`, for load balancers and supervisors: no token, 200 while the database answers, 503 when not.
extension AdminAPI {
    struct Health: Encodable {
        var status: String
        var version: String
        var database: String
    }

    func health() async -> JSONResponse<Health> {
        do {
            _ = try await store.revision()
            return JSONResponse(Health(status: "ok", version: version, database: "ok"))
        } catch {
            logger.error("health check: the database does not answer", metadata: ["error": "\(error)"])
            return JSONResponse(Health(status: "unavailable", version: version, database: "error"), status: .serviceUnavailable)
        }
    }
}
