import Hummingbird
import Logging
import Persistence

/// Turns whatever an admin route throws into an ``AdminError`` response, so handlers stay thin and clients
/// always get the JSON error shape: store refusals keep their field, anything unexpected is a logged 500.
struct AdminErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AdminError {
            throw error
        } catch let error as ConfigStoreError {
            throw AdminError(error)
        } catch let error as HTTPResponseError {
            throw AdminError(status: error.status, code: "HTTP_\(error.status.code)", message: error.status.reasonPhrase)
        } catch {
            logger.error("admin request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw AdminError.internalError("the request failed: \(error)")
        }
    }
}
