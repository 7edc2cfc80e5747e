import JSONCore
import ScriptSandbox
import Testing

/// Shared helpers: compile a snippet, run it on a sandbox with a recording socket.
enum Harness {
    static let context = HandlerContext(
        args: [["text": "hi", "n": 2], "second"],
        event: "message",
        requestId: "req-42",
        gatewayPath: "/chat",
        user: ["id": "u1", "role": "admin"],
        handshake: [
            "headers": ["user-agent": "tests"],
            "query": ["room": "lobby"],
            "auth": ["token": "abc"],
            "address": "10.0.0.1",
            "time": "2026-11-21T22:00:00Z",
            "url": "/socket.io/?EIO=4&transport=websocket",
        ]
    )

    static func compile(_ source: String, name: String = "message.lua") throws -> CompiledScript {
        try CompiledScript.compile(source: source, chunkName: name)
    }

    static func run(
        _ source: String,
        on sandbox: LuaSandbox? = nil,
        context: HandlerContext = Harness.context,
        socket: RecordingSocket = RecordingSocket(),
        limits: HandlerLimits = HandlerLimits()
    ) throws -> HandlerOutcome {
        let sandbox = try sandbox ?? LuaSandbox()
        return sandbox.run(try compile(source), context: context, socket: socket, limits: limits)
    }

    /// The values of a successful run; records an issue and returns nil otherwise.
    static func values(_ outcome: HandlerOutcome, sourceLocation: SourceLocation = #_sourceLocation) -> [JSONValue]? {
        guard case .success(let values, _) = outcome else {
            Issue.record("expected success, got \(outcome)", sourceLocation: sourceLocation)
            return nil
        }
        return values
    }

    /// The failure of a failed run; records an issue and returns nil otherwise.
    static func failure(_ outcome: HandlerOutcome, sourceLocation: SourceLocation = #_sourceLocation) -> HandlerFailure? {
        guard case .failure(let failure) = outcome else {
            Issue.record("expected failure, got \(outcome)", sourceLocation: sourceLocation)
            return nil
        }
        return failure
    }
}
