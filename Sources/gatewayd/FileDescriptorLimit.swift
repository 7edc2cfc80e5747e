#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-files limit, raised at start-up from its soft value to its hard one (as Go's runtime and
/// nginx's `worker_rlimit_nofile` do): a soft limit of 1024 is a login-shell default, not a server's budget.
enum FileDescriptorLimit {
    /// Raises the soft limit to the hard one where it can, and returns the soft limit in force.
    static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))
    }
}
