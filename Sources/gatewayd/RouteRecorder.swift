import HTTPTypes
import Hummingbird

/// A router that only notes the routes it is given (method and path, parameters as `{name}`), for `gatewayd routes`:
/// Hummingbird's router does not list what it holds.
final class RouteRecorder<Context: RequestContext>: RouterMethods {
    private(set) var routes: [(method: HTTPRequest.Method, path: String)] = []

    @discardableResult
    func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
    where Responder.Context == Context {
        routes.append((method, "/" + path.description.drop(while: { $0 == "/" })))
        return self
    }

    func add(middleware: any MiddlewareProtocol<Request, Response, Context>) -> Self { self }
}
