import Foundation
import Persistence

extension FuzzTarget {
    /// A handlers folder written afresh for every input: one gateway folder whose files are the input's parts,
    /// separated by 0 bytes, in this order.
    private static let files = ["gateway.json", "events/e.json", "events/e.lua", "connection.lua", "hooks/items.lua"]
    /// In memory where there is a tmpfs: the loader is what is fuzzed, not the disk.
    private static let root = (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory())
        + "gatewayd-fuzz-handlers-\(ProcessInfo.processInfo.processIdentifier)"

    /// The handlers-folder loader (`gateway.json`, an event's `.json`, its scripts): never a crash, and a refusal
    /// names a file of the folder.
    static func handlers(_ input: [UInt8]) {
        let manager = FileManager.default
        try? manager.removeItem(atPath: root)
        let gateway = root + "/g"
        for folder in ["/events", "/hooks"] {
            try! manager.createDirectory(atPath: gateway + folder, withIntermediateDirectories: true)
        }
        for (file, content) in zip(files, input.split(separator: 0, omittingEmptySubsequences: false)) {
            write(Array(content), to: gateway + "/" + file)
        }
        do {
            _ = try HandlersFolder.load(from: root)
        } catch {
            precondition(error.file.hasPrefix(root), "a refusal that names no file of the folder: \(error)")
        }
    }

    /// A plain write: `FileManager.createFile` syncs every file to disk, and a busy disk made one input take seconds.
    private static func write(_ bytes: [UInt8], to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0, "cannot create \(path)")
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        precondition(written == bytes.count, "short write to \(path)")
    }
}
