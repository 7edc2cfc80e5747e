import JSONCore
import Persistence
import ScriptSandbox
import Synchronization

/// `DB` for one handler run, on the collection store: each call commits on its own unless `DB.transaction` (or a
/// test run, through ``enclose(deadline:_:)``) holds a transaction open; what was committed is handed to `committed` (the
/// change hooks) once it is, and nothing of a rolled-back transaction or savepoint is.
///
/// One instance serves one run. Its calls come from the one worker thread that runs it, one after another; the
/// open session lives only inside the store's transaction closure on that thread.
public final class CollectionData: HandlerData, @unchecked Sendable {
    private let store: any CollectionStore
    private let committed: @Sendable ([CollectionChange]) -> Void
    /// Test runs: the whole run is one transaction, kept only when `commitTestRun`.
    private let testRun: Bool
    private let commitTestRun: Bool
    /// The transaction the run's calls go through; nil: each call commits on its own.
    private var session: (any CollectionSession)?
    /// Changes made inside the open transaction, announced when it commits.
    private var uncommitted: [CollectionChange] = []
    private let recorded = Mutex<[CollectionChange]>([])

    /// A live run: changes go to `committed` as they commit.
    public init(store: any CollectionStore, committed: @escaping @Sendable ([CollectionChange]) -> Void) {
        self.store = store
        self.committed = committed
        testRun = false
        commitTestRun = false
    }

    /// A test run: all of it inside one transaction, rolled back unless `commit`; `committed` hears of it only then.
    public init(testRunOn store: any CollectionStore, commit: Bool, committed: @escaping @Sendable ([CollectionChange]) -> Void) {
        self.store = store
        self.committed = committed
        testRun = true
        commitTestRun = commit
    }

    /// What the run wrote, in order, committed or not (a test run reports them).
    public var writes: [CollectionChange] { recorded.withLock { $0 } }

    public func perform(_ call: HandlerDataCall, deadline: UInt64) -> Result<JSONValue?, HandlerFailure> {
        GatewayMetrics.shared.dbQuery(call.action.rawValue)
        do throws(CollectionError) {
            let request = try CollectionRequest(action: call.action.rawValue, collection: call.collection, arguments: call.arguments)
            let outcome = if let session { try session.perform(request) } else { try store.perform(request, deadline: deadline) }
            if let change = outcome.change {
                recorded.withLock { $0.append(change) }
                if session == nil { committed([change]) } else { uncommitted.append(change) }
            }
            return .success(outcome.result)
        } catch {
            return .failure(Self.failure(error))
        }
    }

    public func transaction(deadline: UInt64, _ body: () -> Bool) -> HandlerFailure? {
        let before = uncommitted.count
        do {
            if let session {
                try session.savepoint { inner in
                    try self.within(inner) { guard body() else { throw Rollback() } }
                }
                return nil
            }
            try store.transaction(deadline: deadline) { session in
                try within(session) { guard body() else { throw Rollback() } }
            }
            announceUncommitted()
            return nil
        } catch is Rollback {
            uncommitted.removeSubrange(before...)
            return nil
        } catch let error as CollectionError {
            uncommitted.removeSubrange(before...)
            return Self.failure(error)
        } catch {
            uncommitted.removeSubrange(before...)
            return HandlerFailure(code: .internalError, message: "\(error)")
        }
    }

    public func enclose(deadline: UInt64, _ run: () -> HandlerOutcome) -> HandlerOutcome {
        guard testRun else { return run() }
        var outcome: HandlerOutcome?
        do {
            try store.transaction(deadline: deadline, commit: commitTestRun) { session in
                try within(session) {
                    let result = run()
                    outcome = result
                    // A failed run keeps nothing, even when told to commit.
                    if case .failure = result { throw Rollback() }
                }
            }
        } catch is Rollback {
            uncommitted.removeAll()
        } catch {
            uncommitted.removeAll()
            if case .success = outcome {
                outcome = .failure(HandlerFailure(code: .internalError, message: "the test run's writes could not be committed: \(error)"))
            }
        }
        if commitTestRun { announceUncommitted() } else { uncommitted.removeAll() }
        return outcome ?? .failure(HandlerFailure(code: .serviceUnavailable, message: "the test run's transaction could not be opened"))
    }

    /// Runs `work` with `session` as the one the run's calls go through.
    private func within(_ session: any CollectionSession, _ work: () throws -> Void) throws {
        let outer = self.session
        self.session = session
        defer { self.session = outer }
        try work()
    }

    private func announceUncommitted() {
        guard session == nil, !uncommitted.isEmpty else { return }
        let changes = uncommitted
        uncommitted.removeAll()
        committed(changes)
    }

    /// The store's refusal as the script sees it raised.
    static func failure(_ error: CollectionError) -> HandlerFailure {
        let code: HandlerErrorCode = switch error.code {
        case .badRequest: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .payloadTooLarge
        case .deadlineExceeded: .scriptTimeout
        case .storageFull: .serviceUnavailable
        case .storage: .internalError
        }
        return HandlerFailure(code: code, message: error.message)
    }

    /// Thrown out of a transaction body to roll it back without an error of its own.
    private struct Rollback: Error {}
}
