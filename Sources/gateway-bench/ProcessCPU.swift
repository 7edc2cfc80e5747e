import Foundation

/// Reads the CPU time a process has used from `/proc/<pid>/stat` (Linux): what the server spent on a measured window,
/// a figure that does not depend on how fast the generator is.
enum ProcessCPU {
    /// User plus system time in seconds, or nil when the process is not there.
    static func seconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let commandEnd = stat.lastIndex(of: ")")
        else { return nil }
        // After the command (which may hold spaces) come the fields from `state` on: utime and stime are the 14th and
        // 15th of the whole line, so the 12th and 13th here.
        let fields = stat[stat.index(after: commandEnd)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
