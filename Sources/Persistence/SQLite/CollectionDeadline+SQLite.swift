import GRDB
import GRDBSQLite

/// SQLite stops a statement at its deadline through a progress handler.
extension CollectionDeadline {
    /// How many SQLite VM instructions run between two looks at the clock.
    static let instructionsBetweenChecks: Int32 = 1000

    /// Runs `work` with a progress handler on `db` that makes SQLite stop any statement still running after
    /// `deadline` (it fails with SQLITE_INTERRUPT). The handler is removed before returning, so the connection
    /// goes back to GRDB's pool as it came.
    static func enforce<T>(_ deadline: UInt64?, on db: Database, _ work: () throws -> T) throws -> T {
        guard let deadline else { return try work() }
        try check(deadline)
        let connection = db.sqliteConnection
        // A deadline of 0 has always passed, so the context pointer is never null here.
        sqlite3_progress_handler(
            connection, instructionsBetweenChecks, stopWhenPassed, UnsafeMutableRawPointer(bitPattern: UInt(deadline))
        )
        defer { sqlite3_progress_handler(connection, 0, nil, nil) }
        return try work()
    }

    /// Non-zero makes SQLite interrupt the statement. A C callback cannot capture, so the deadline travels
    /// as the context pointer's bit pattern.
    private static let stopWhenPassed: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { context in
        hasPassed(UInt64(UInt(bitPattern: context))) ? 1 : 0
    }
}
