import Foundation

/// Reads the CPU time a process has used from `/proc/<pid>/stat` (Linux): what the server spent on a measured window,
/// a figure that does not depend on how fast the generator is.
enum ProcessCPU {
    /// User plus system time in seconds, or nil when the process is not there.
    static func seconds(pid: Int32) -> Double? {
        stat(pid).map { ($0.user + $0.system) / ticksPerSecond }
    }

    /// The sum over `pids` of those that are there; nil when none is.
    static func seconds(pids: [Int32]) -> Double? {
        let found = pids.compactMap { seconds(pid: $0) }
        return found.isEmpty ? nil : found.reduce(0, +)
    }

    /// The CPU time of `root` and every live descendant, with what their exited children used (as far as they
    /// were waited for): a server that forks a process per connection, such as PostgreSQL's postmaster, counted
    /// whole. Nil when `root` is not there.
    static func treeSeconds(root: Int32) -> Double? {
        guard stat(root) != nil else { return nil }
        var children: [Int32: [Int32]] = [:]
        var stats: [Int32: Stat] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), let stat = stat(pid) else { continue }
            stats[pid] = stat
            children[stat.parent, default: []].append(pid)
        }
        var total = 0.0
        var pending = [root]
        var seen: Set<Int32> = []
        while let pid = pending.popLast() {
            guard seen.insert(pid).inserted, let stat = stats[pid] else { continue }
            total += stat.user + stat.system + stat.childrenUser + stat.childrenSystem
            pending += children[pid] ?? []
        }
        return total / ticksPerSecond
    }

    /// Each thread's name and CPU time (user + system, seconds) by thread id: a serial bottleneck is one thread near
    /// one core.
    static func threads(pid: Int32) -> [Int32: (name: String, seconds: Double)] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var threads: [Int32: (name: String, seconds: Double)] = [:]
        for entry in entries {
            guard let tid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/stat", encoding: .utf8),
                  let nameStart = stat.firstIndex(of: "("), let nameEnd = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            threads[tid] = (String(stat[stat.index(after: nameStart)..<nameEnd]), (user + system) / ticksPerSecond)
        }
        return threads
    }

    /// The busy time of every CPU of the machine together (user, nice, system, irq, softirq, steal from the first
    /// line of `/proc/stat`), in seconds: with the processes' own, it says what the rest of the machine used.
    static func machineSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard fields.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal: all but idle and iowait.
        return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]) / ticksPerSecond
    }

    private struct Stat {
        var parent: Int32
        var user: Double
        var system: Double
        var childrenUser: Double
        var childrenSystem: Double
    }

    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    private static func stat(_ pid: Int32) -> Stat? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let commandEnd = stat.lastIndex(of: ")")
        else { return nil }
        // After the command (which may hold spaces) come the fields from `state` on: ppid is the 4th of the whole
        // line, utime, stime, cutime and cstime the 14th to 17th, so the 2nd and the 12th to 15th here.
        let fields = stat[stat.index(after: commandEnd)...].split(separator: " ")
        guard fields.count > 14, let parent = Int32(fields[1]), let user = Double(fields[11]),
              let system = Double(fields[12]), let childrenUser = Double(fields[13]), let childrenSystem = Double(fields[14])
        else { return nil }
        return Stat(parent: parent, user: user, system: system, childrenUser: childrenUser, childrenSystem: childrenSystem)
    }
}
