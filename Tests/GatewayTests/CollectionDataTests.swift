import Foundation
import JSONCore
import Persistence
import ScriptSandbox
import Synchronization
import Testing
@testable import Gateway

/// `DB` as a run sees it: what commits is announced (once, in order), what rolls back is not, test runs keep nothing
/// unless told to, and a test run's queries stop at its deadline.
@Suite struct CollectionDataTests {
    final class Announced: Sendable {
        let changes = Mutex<[CollectionChange]>([])
        var actions: [String] { changes.withLock { $0.map { "\($0.action.rawValue) \($0.item["id"]?.stringValue ?? "?")" } } }
        func add(_ new: [CollectionChange]) { changes.withLock { $0 += new } }
    }

    let store = try! Stores.inMemory()
    let announced = Announced()
    let far = CollectionDeadline.after(60_000_000_000)

    private func create(_ data: CollectionData, _ id: String) -> Result<JSONValue?, HandlerFailure> {
        data.perform(HandlerDataCall(collection: "notes", action: .create, arguments: ["data": ["id": .string(id)]]), deadline: far)
    }

    private func count(_ data: CollectionData) -> JSONValue? {
        try? data.perform(HandlerDataCall(collection: "notes", action: .count, arguments: [:]), deadline: far).get()
    }

    @Test func eachCallCommitsOnItsOwnAndIsAnnounced() {
        let data = CollectionData(store: store.collections) { [announced] in announced.add($0) }
        _ = create(data, "a")
        _ = create(data, "b")
        #expect(announced.actions == ["created a", "created b"])
        guard case .failure(let failure) = create(data, "a") else { Issue.record("a duplicate id was accepted"); return }
        #expect(failure.code == .conflict)
        #expect(announced.actions.count == 2)
    }

    @Test func aTransactionAnnouncesOnlyWhatItCommitted() {
        let data = CollectionData(store: store.collections) { [announced] in announced.add($0) }
        #expect(data.transaction(deadline: far) { _ = create(data, "x"); return false } == nil)
        #expect(count(data) == 0)
        #expect(announced.actions.isEmpty)
        let failure = data.transaction(deadline: far) {
            _ = create(data, "outer")
            // The inner one rolls back to its savepoint; the outer one keeps its own write.
            _ = data.transaction(deadline: far) { _ = create(data, "inner"); return false }
            #expect(announced.actions.isEmpty, "nothing is announced before the commit")
            return true
        }
        #expect(failure == nil)
        #expect(announced.actions == ["created outer"])
        #expect(count(data) == 1)
    }

    @Test func aTestRunKeepsNothingUnlessToldToCommit() {
        for commit in [false, true] {
            let data = CollectionData(testRunOn: store.collections, commit: commit) { [announced] in announced.add($0) }
            let outcome = data.enclose(deadline: far) {
                _ = create(data, "t\(commit)")
                return .success(values: [count(data) ?? .null], logs: [])
            }
            #expect(outcome == .success(values: [.int(1)], logs: []))
            #expect(data.writes.map(\.action) == [.created])
        }
        let reader = CollectionData(store: store.collections) { _ in }
        #expect(count(reader) == 1)
        #expect(announced.actions == ["created ttrue"])
    }

    @Test func aFailedTestRunIsRolledBackEvenWhenToldToCommit() {
        let data = CollectionData(testRunOn: store.collections, commit: true) { [announced] in announced.add($0) }
        _ = data.enclose(deadline: far) {
            _ = create(data, "lost")
            return .failure(HandlerFailure(code: .badRequest, message: "no"))
        }
        #expect(count(CollectionData(store: store.collections) { _ in }) == 0)
        #expect(announced.actions.isEmpty)
    }

    @Test func aTestRunsQueriesStopAtItsDeadline() throws {
        let seeding = CollectionData(store: store.collections) { _ in }
        let failure = seeding.transaction(deadline: far) {
            for index in 0..<20_000 {
                _ = seeding.perform(HandlerDataCall(collection: "big", action: .create, arguments: [
                    "data": ["text": .string(String(repeating: "x", count: 200) + "\(index)")],
                ]), deadline: far)
            }
            return true
        }
        #expect(failure == nil)
        let data = CollectionData(testRunOn: store.collections, commit: false) { _ in }
        var result: Result<JSONValue?, HandlerFailure>?
        // 100 ms: far enough that a loaded machine still opens the transaction in time, well short of what 20 scans
        // of 20,000 rows take.
        _ = data.enclose(deadline: CollectionDeadline.after(100_000_000)) {
            for _ in 0..<20 {
                result = data.perform(HandlerDataCall(collection: "big", action: .find, arguments: [
                    "filter": ["text": ["_contains": "nothing"]], "sort": ["-text"],
                ]), deadline: far)
                if case .failure = result { break }
            }
            return .success(values: [], logs: [])
        }
        guard case .failure(let stopped)? = result else { Issue.record("the query was not stopped: \(String(describing: result))"); return }
        #expect(stopped.code == .scriptTimeout)
    }
}
