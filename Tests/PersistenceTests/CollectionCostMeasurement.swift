import Foundation
import JSONCore
import Testing

@testable import Persistence

/// What the collection calls cost on each backend, printed rather than asserted (the machine's load decides the
/// figures): run on demand with `GATEWAYD_PG_COST=1` (and `GATEWAYD_TEST_POSTGRES_URL` for PostgreSQL), e.g.
/// `GATEWAYD_PG_COST=1 swift test --filter CollectionCostMeasurement`. Each call has a deadline two minutes away, as a
/// handler's calls have one; SQLite's database is a file, as the daemon's is.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["GATEWAYD_PG_COST"] != nil))
struct CollectionCostMeasurement {
    static let bulkCount = 20_000
    static let callCount = 2_000

    @Test(arguments: Backend.all)
    func collectionCallCosts(backend: Backend) async throws {
        try await backend.withDatabase { database async throws in
            let store = try database.open().collections
            func deadline() -> UInt64 { CollectionDeadline.after(120_000_000_000) }

            let bulkWithout = try Self.time {
                try store.transaction(deadline: nil) { session in
                    for n in 0..<Self.bulkCount {
                        _ = try session.perform(request("create", "bulk", ["data": ["id": .string("a\(n)"), "n": .int(n)]]))
                    }
                }
            }
            let bulkWith = try Self.time {
                try store.transaction(deadline: deadline()) { session in
                    for n in 0..<Self.bulkCount {
                        _ = try session.perform(request("create", "bulk", ["data": ["id": .string("b\(n)"), "n": .int(n)]]))
                    }
                }
            }
            let single = try Self.time {
                for n in 0..<Self.callCount {
                    let data: JSONValue = ["id": .string("s\(n)"), "kind": .int(n % 50), "n": .int(n)]
                    _ = try store.perform(request("create", "single", ["data": data]), deadline: deadline())
                }
            }
            let findOne = try Self.time {
                for n in 0..<Self.callCount {
                    let found = try store.perform(request("findOne", "single", ["filter": ["id": .string("s\(n)")]]), deadline: deadline())
                    guard found.result?["n"] == .int(n) else { throw Mismatch(what: "findOne s\(n)") }
                }
            }
            let find = try Self.time {
                for n in 0..<Self.callCount {
                    let arguments: JSONValue = ["filter": ["kind": .int(n % 50)], "sort": "n", "limit": 5]
                    let found = try store.perform(request("find", "single", arguments), deadline: deadline())
                    guard found.result?["meta"]?["total"] == .int(Self.callCount / 50) else { throw Mismatch(what: "find kind \(n % 50)") }
                }
            }
            guard try store.run("count", "bulk") == .int(2 * Self.bulkCount) else { throw Mismatch(what: "bulk count") }

            func line(_ label: String, _ cost: Cost, _ count: Int) -> String {
                let seconds = Double(cost.wall.components.seconds) + Double(cost.wall.components.attoseconds) / 1e18
                let perCall = String(format: "%.1f", seconds * 1e6 / Double(count))
                let cpuPerCall = String(format: "%.1f", cost.cpuMicroseconds / Double(count))
                return "  \(label): \(String(format: "%.2f", seconds)) s, \(perCall) µs/call (this process's CPU \(cpuPerCall) µs/call)"
            }
            print("""
                COST \(backend.rawValue)
                \(line("\(Self.bulkCount) creates, one transaction, no deadline", bulkWithout, Self.bulkCount))
                \(line("\(Self.bulkCount) creates, one transaction, deadline", bulkWith, Self.bulkCount))
                \(line("\(Self.callCount) creates, a transaction each", single, Self.callCount))
                \(line("\(Self.callCount) findOne by id", findOne, Self.callCount))
                \(line("\(Self.callCount) find, filter + sort + limit 5", find, Self.callCount))
                """)
        }
    }

    /// Wall time, and the CPU time this process spent (the database server's is not in it): on a shared machine
    /// the second varies less.
    struct Cost {
        let wall: Duration
        let cpuMicroseconds: Double
    }

    private static func time(_ work: () throws -> Void) throws -> Cost {
        func cpu() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return [usage.ru_utime, usage.ru_stime].reduce(0) { $0 + Double($1.tv_sec) * 1e6 + Double($1.tv_usec) }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let startCPU = cpu()
        try work()
        return Cost(wall: clock.now - start, cpuMicroseconds: cpu() - startCPU)
    }

    struct Mismatch: Error {
        let what: String
    }
}
