import Foundation
import Synchronization
import JSONCore
import Logging
import Persistence
import ScriptSandbox

/// Runs gateways' change hooks (`hooks/<collection>.lua`) after each committed write to a collection, whoever made
/// it: a handler, another hook, the admin API, a committed test run.
///
/// A hook runs on the job queue (one lane per gateway and collection, so one collection's changes reach its hook in
/// commit order) with `BODY = {collection, action, item, previous, userId, timestamp}`, a `SOCKET` that only emits,
/// and `DB` bound one level deeper: a chain of hooks writing collections whose hooks write again stops at
/// ``maxDepth`` with `HOOK_DEPTH_EXCEEDED` in the log.
///
/// Hooks are not refused by the per-socket and queue limits that protect clients' events (a handler that creates 200
/// items fires 200 hooks); instead at most `--queue-size` hook runs are pending at once, beyond which a hook is not
/// run and `HOOK_QUEUE_FULL` is logged — which also bounds hooks that fan out across gateways.
struct ChangeHooks: Sendable {
    static let maxDepth = 8

    /// Hook runs pending now, against their own limit.
    final class Backlog: Sendable {
        let pending = Atomic<Int>(0)
        let limit: Int

        init(limit: Int) { self.limit = max(1, limit) }

        func admit() -> Bool {
            guard pending.add(1, ordering: .relaxed).newValue <= limit else {
                finish()
                return false
            }
            return true
        }

        func finish() { pending.subtract(1, ordering: .relaxed) }
    }

    let gateways: GatewayDirectory
    let queue: JobQueue
    let pool: ScriptWorkerPool
    let push: ServerPush
    let store: any CollectionStore
    let auth: GatewayAuthenticator
    let settings: GatewaySettings
    let logger: Logger
    let backlog: Backlog

    /// Queues the hooks of `changes`, which a run at `depth` (0: not itself a hook) committed for `userId`.
    func fire(_ changes: [CollectionChange], userId: String?, depth: Int) {
        guard !changes.isEmpty else { return }
        let served = gateways.served
        for change in changes {
            let hooked = served.filter { $0.hooks[change.collection] != nil }
            guard !hooked.isEmpty else { continue }
            guard depth < Self.maxDepth else {
                logger.error("change hook not run: hooks wrote collections \(Self.maxDepth) levels deep", metadata: [
                    "code": "HOOK_DEPTH_EXCEEDED", "collection": "\(change.collection)", "action": "\(change.action.rawValue)",
                ])
                continue
            }
            let body = Self.body(of: change, userId: userId)
            for gateway in hooked {
                guard let script = gateway.hooks[change.collection] else { continue }
                submit(script, body: body, change: change, gateway: gateway.path, userId: userId, depth: depth + 1)
            }
        }
    }

    private func submit(_ script: CompiledScript, body: JSONValue, change: CollectionChange, gateway: String, userId: String?, depth: Int) {
        let context = HandlerContext(
            args: [body], event: change.action.rawValue, requestId: RequestID.make(), gatewayPath: gateway)
        let services = HandlerServices(auth: auth, data: data(userId: userId, depth: depth))
        guard backlog.admit() else {
            logger.error("change hook not run: \(backlog.limit) hook runs are pending already", metadata: [
                "code": "HOOK_QUEUE_FULL", "gateway": "\(gateway)", "collection": "\(change.collection)",
                "action": "\(change.action.rawValue)",
            ])
            return
        }
        let pool = pool, push = push, logger = logger, backlog = backlog
        let limits = settings.limits(timeoutMilliseconds: ConfigRules.defaultTimeoutMs)
        let job = JobQueue.Job(
            gateway: gateway, kind: .hook, name: "\(change.collection).\(change.action.rawValue)",
            start: { run in
                pool.submit(
                    script, context: context, socket: HookSocket(push: push), services: services, limits: limits,
                    owner: run
                ) { outcome in
                    backlog.finish()
                    if case .failure(let failure) = outcome {
                        logger.warning("change hook failed", metadata: [
                            "gateway": "\(gateway)", "collection": "\(change.collection)", "action": "\(change.action.rawValue)",
                            "code": "\(failure.code.rawValue)", "message": "\(failure.message)",
                        ])
                    }
                    run.finished()
                }
            },
            abandon: {
                backlog.finish()
                logger.warning("change hook abandoned at shutdown", metadata: ["gateway": "\(gateway)", "collection": "\(change.collection)"])
            })
        queue.submit(job, lane: "hook \(gateway) \(change.collection)", bypassingLimits: true)
    }

    /// `DB` for a run at `depth` on behalf of `userId`: what it commits fires the hooks one level deeper.
    func data(userId: String?, depth: Int) -> CollectionData {
        CollectionData(store: store) { changes in fire(changes, userId: userId, depth: depth) }
    }

    static func body(of change: CollectionChange, userId: String?) -> JSONValue {
        .object([
            "collection": .string(change.collection),
            "action": .string(change.action.rawValue),
            "method": .string(change.method.rawValue),
            "item": change.item,
            "previous": change.previous ?? .null,
            "userId": userId.map(JSONValue.string) ?? .null,
            "timestamp": .string(Date().formatted(.iso8601)),
        ])
    }
}
