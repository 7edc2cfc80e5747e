import Foundation

/// A fresh folder under the system temp directory for one test's files, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appending(path: "gatewayd-persistence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path() }

    var databasePath: String { url.appending(path: "config.sqlite").path() }

    /// Writes `contents` to `relativePath`, creating folders on the way.
    func write(_ relativePath: String, _ contents: String) throws {
        let file = url.appending(path: relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: file, atomically: true, encoding: .utf8)
    }

    func delete(_ relativePath: String) throws {
        try FileManager.default.removeItem(at: url.appending(path: relativePath))
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
