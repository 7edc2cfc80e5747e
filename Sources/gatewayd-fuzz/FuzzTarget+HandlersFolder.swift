import Foundation
import Persistence

extension FuzzTarget {
    /// A handlers folder written afresh for every input: one gateway folder whose files are the input's parts,
    /// separated by 0 bytes, in this order.
    private static let files = ["gateway.json", "events/e.json", "events/e.lua", "connection.lua", "hooks/items.lua"]
    private static let root = NSTemporaryDirectory() + "gatewayd-fuzz-handlers-\(ProcessInfo.processInfo.processIdentifier)"

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
            precondition(manager.createFile(atPath: gateway + "/" + file, contents: Data(content)))
        }
        do {
            _ = try HandlersFolder.load(from: root)
        } catch {
            precondition(error.file.hasPrefix(root), "a refusal that names no file of the folder: \(error)")
        }
    }
}
