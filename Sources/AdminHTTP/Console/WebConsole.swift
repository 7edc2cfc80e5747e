import HTTPTypes
import Hummingbird
import NIOCore

/// The web console at `/admin/ui/`: three files embedded in the binary (no CDN, nothing built), served without the
/// admin token — the page asks for it and sends it with every admin API call it makes. Strict headers: a
/// Content-Security-Policy that allows this origin's script and styles only (no inline script, no other origin), no
/// framing, no sniffing, no referrer.
enum WebConsole {
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func install<Context: RequestContext>(on router: some RouterMethods<Context>) {
        // `/admin/ui` and `/admin/ui/` alike: the page names its files by absolute path.
        router.get("admin/ui") { _, _ in file(ConsolePage.text, type: "text/html; charset=utf-8") }
        router.get("admin/ui/console.css") { _, _ in file(ConsoleStyleSheet.text, type: "text/css; charset=utf-8") }
        router.get("admin/ui/console.js") { _, _ in file(ConsoleScript.text, type: "text/javascript; charset=utf-8") }
    }

    private static func file(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: type, .contentSecurityPolicy: contentSecurityPolicy, .xContentTypeOptions: "nosniff",
                HTTPField.Name("X-Frame-Options")!: "DENY", HTTPField.Name("Referrer-Policy")!: "no-referrer", .cacheControl: "no-cache",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
