import Foundation

/// Deadlines are `CLOCK_MONOTONIC` nanoseconds, the clock the Lua sandbox times handlers with, so one number
/// bounds both the script and the queries it makes. Each backend stops a statement still running past it.
public enum CollectionDeadline {
    /// The deadline `nanoseconds` from now.
    public static func after(_ nanoseconds: UInt64) -> UInt64 {
        let (deadline, overflow) = now().addingReportingOverflow(nanoseconds)
        return overflow ? .max : deadline
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func hasPassed(_ deadline: UInt64) -> Bool { now() > deadline }

    static func check(_ deadline: UInt64?) throws(CollectionError) {
        if let deadline, hasPassed(deadline) { throw CollectionError.deadlinePassed }
    }
}
