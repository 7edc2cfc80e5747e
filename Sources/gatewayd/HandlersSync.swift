import AdminHTTP
import Foundation
import Logging
import Persistence
import ScriptSandbox

extension ScriptSyntaxError: ScriptCompileFailure {}

/// Syncing the `handlers/` folder with the sandbox's compiler as validator, for `serve` and `handlers sync`.
enum HandlersSync {
    static let validator: ScriptValidator = { source, chunkName in
        _ = try CompiledScript.compile(source: source, chunkName: chunkName)
    }

    /// Syncs `folder` into `store` and logs what changed. Throws `HandlersFolderError` with the file (and
    /// line) at fault; nothing is written then.
    static func run(folder: String, store: any ConfigStore, logger: Logger) async throws -> SyncSummary {
        let summary = try await HandlersFolder.sync(folder: folder, into: store, validate: validator)
        let gateways = summary.gatewayCounts, events = summary.eventCounts
        logger.info("handlers synced", metadata: [
            "folder": "\(folder)",
            "gateways": "created \(gateways.created), updated \(gateways.updated), deleted \(gateways.deleted), unchanged \(gateways.unchanged)",
            "events": "created \(events.created), updated \(events.updated), deleted \(events.deleted), unchanged \(events.unchanged)",
        ])
        return summary
    }

    static func folderExists(_ folder: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
