import Foundation

/// Reads a process's resident set size from `/proc/<pid>/status` (Linux).
enum ProcessMemory {
    /// VmRSS in KiB, or nil when the process or the field is not there.
    static func residentKilobytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst("VmRSS:".count).split(whereSeparator: \.isWhitespace).first ?? "")
        }
        return nil
    }

    /// The sum over `pids` of those that are there; nil when none is.
    static func residentKilobytes(pids: [Int32]) -> Int? {
        let found = pids.compactMap { residentKilobytes(pid: $0) }
        return found.isEmpty ? nil : found.reduce(0, +)
    }
}
