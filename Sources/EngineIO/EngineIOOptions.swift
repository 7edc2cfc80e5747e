/// Engine.IO server settings, with the reference server's defaults.
public struct EngineIOOptions: Sendable {
    public enum Transport: String, Sendable, CaseIterable {
        case polling
        case websocket
    }

    /// Where Engine.IO is served, each path serving the same server; clients name one (`io(url, { path })`).
    public var paths: [String] = ["/socket.io/"]
    /// How often the server pings a v4 client (and how often a v3 client must ping us).
    public var pingInterval: Duration = .milliseconds(25_000)
    /// How long a pong (v4) or the next ping (v3) may be late before the session is closed.
    public var pingTimeout: Duration = .milliseconds(20_000)
    /// How long a polling session may take to finish a WebSocket upgrade it started.
    public var upgradeTimeout: Duration = .milliseconds(10_000)
    /// Largest message or polling body accepted, in bytes; larger ones close the session.
    public var maxHttpBufferSize: Int = 1_000_000
    /// Bytes one connection may have waiting to be sent (frames a WebSocket client is not reading, packets no poll
    /// has collected); past that the session is closed with `transport error` instead of the buffer growing.
    public var maxOutboundBufferBytes: Int = 1 << 20
    /// Bytes waiting for clients across every session (``OutboundBudget``); 0: no bound beyond each session's.
    public var maxOutboundTotalBytes: Int = 256 << 20
    public var transports: Set<Transport> = [.polling, .websocket]
    public var cors: CORSPolicy = .disabled
    /// New sessions one client address may open a second (in bursts of as many); past it handshakes are answered
    /// `429`. nil for no limit.
    public var maxSessionsPerSecondPerAddress: Double?
    /// Whether protocol v3 (socket.io 2.x) clients are served alongside v4 ones.
    public var allowEIO3: Bool = true
    /// This node and the others, when several serve the same clients behind a load balancer: session ids then name
    /// their node and requests for another node's session are forwarded to it. nil: a single node.
    public var cluster: EngineCluster?

    public init() {}

    /// The largest WebSocket frame read at all: above ``maxHttpBufferSize`` so that an oversized message
    /// is read, refused with a reason (`transport error`, close code 1009) and logged, rather than cut
    /// off by the frame decoder; pass it to the WebSocket server configuration.
    public var webSocketFrameLimit: Int {
        max(maxHttpBufferSize * 2, maxHttpBufferSize + 1 << 20)
    }

    /// The paths without their trailing slash, as requests are matched.
    package var normalizedPaths: Set<String> {
        Set(paths.map { path in
            var trimmed = path
            while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
            return trimmed.hasPrefix("/") ? trimmed : "/" + trimmed
        })
    }
}

extension Duration {
    /// Whole milliseconds, as Engine.IO's handshake states intervals.
    package var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
