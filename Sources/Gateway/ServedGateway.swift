import Logging
import Persistence
import ScriptSandbox

/// One enabled gateway as the runtime serves it: its stored settings and its compiled scripts.
///
/// Immutable; a reload builds a new one and swaps it in, so an event always runs the scripts of one
/// consistent state of the store (the newest when it was dispatched). A class: every event looks its gateway up, and
/// a reference is one retain where a copy of the struct retained each of its fields.
final class ServedGateway: Sendable {
    struct Event: Sendable {
        var record: EventRecord
        var script: CompiledScript
        var metrics: GatewayMetrics.EventHandles
    }

    /// What runs for one incoming event, and how it is answered.
    struct Handler: Sendable {
        var script: CompiledScript
        var timeoutMs: Int
        var ack: AckMode
        /// `event` or `fallback`.
        var kind: GatewayMetrics.HandlerKind
        /// Where its runs are counted and timed: under the event's name, or `_unknown` for the fallback's events, so
        /// that clients cannot grow the labels.
        var metrics: GatewayMetrics.EventHandles
    }

    let record: GatewayRecord
    let connectionScript: CompiledScript?
    let disconnectScript: CompiledScript?
    /// Runs for events that have no handler of its own, in the gateway's `defaultAck` mode.
    let fallbackScript: CompiledScript?
    /// The fallback script as the handler of such events, made once.
    private let fallback: Handler?
    /// Enabled events by name.
    let events: [String: Event]
    /// Change hooks by collection name.
    let hooks: [String: CompiledScript]

    var path: String { record.path }

    /// Compiles what changed since `previous` (scripts whose version is unchanged are reused, so workers keep
    /// their cached chunks). A stored script that does not compile (the store does not check) is left out
    /// and logged: its event answers `NO_HANDLER`, a connection script refuses connections.
    init(_ stored: GatewayWithEvents, previous: ServedGateway?, logger: Logger) {
        record = stored.gateway
        let sameGateway = previous?.record.version == stored.gateway.version
        connectionScript = sameGateway ? previous?.connectionScript
            : Self.compile(stored.gateway.connectionScript, chunkName: "connection.lua", path: stored.gateway.path, logger: logger)
        disconnectScript = sameGateway ? previous?.disconnectScript
            : Self.compile(stored.gateway.disconnectScript, chunkName: "disconnect.lua", path: stored.gateway.path, logger: logger)
        fallbackScript = sameGateway ? previous?.fallbackScript
            : Self.compile(stored.gateway.fallbackScript, chunkName: "fallback.lua", path: stored.gateway.path, logger: logger)
        hooks = sameGateway ? previous?.hooks ?? [:] : stored.gateway.hooks.reduce(into: [:]) { hooks, hook in
            hooks[hook.key] = Self.compile(hook.value, chunkName: "hooks/\(hook.key).lua", path: stored.gateway.path, logger: logger)
        }
        fallback = fallbackScript.map {
            Handler(script: $0, timeoutMs: ConfigRules.defaultTimeoutMs, ack: stored.gateway.defaultAck, kind: .fallback,
                    metrics: GatewayMetrics.EventHandles(gateway: stored.gateway.path, event: GatewayMetrics.unknownEvent, kind: .fallback))
        }
        var events: [String: Event] = [:]
        for event in stored.events where event.enabled {
            // `previous` is what was served at this path, so a kept event's metric handles carry the right labels.
            if let kept = previous?.events[event.eventName], kept.record.version == event.version, kept.record.id == event.id {
                events[event.eventName] = kept
            } else if let script = Self.compile(event.script, chunkName: "\(event.eventName).lua", path: stored.gateway.path, logger: logger) {
                let metrics = GatewayMetrics.EventHandles(gateway: stored.gateway.path, event: event.eventName, kind: .event)
                events[event.eventName] = Event(record: event, script: script, metrics: metrics)
            }
        }
        self.events = events
    }

    /// The event's own handler, else the fallback; nil when the gateway has neither.
    func handler(for eventName: String) -> Handler? {
        if let event = events[eventName] {
            return Handler(script: event.script, timeoutMs: event.record.timeoutMs, ack: event.record.ack, kind: .event, metrics: event.metrics)
        }
        return fallback
    }

    /// Whether a connection script exists but could not be compiled.
    var connectionScriptBroken: Bool { record.connectionScript != nil && connectionScript == nil }

    private static func compile(_ source: String?, chunkName: String, path: String, logger: Logger) -> CompiledScript? {
        guard let source else { return nil }
        do {
            return try CompiledScript.compile(source: source, chunkName: chunkName)
        } catch {
            logger.error("stored script does not compile; it is not served", metadata: [
                "gateway": "\(path)", "script": "\(chunkName)", "error": "\(error.message)",
            ])
            return nil
        }
    }
}
