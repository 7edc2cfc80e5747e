/// One `handlers/<folderName>/` gateway as read from disk, before it is written to the store.
public struct FolderGateway: Sendable, Equatable {
    /// The sub-folder name: the gateway's identity for sync, so changing `path` in `gateway.json` updates the
    /// same gateway instead of replacing it.
    public var folderName: String
    public var gateway: GatewayDraft
    /// Where `gateway` was read from, for messages.
    public var settingsFile: String
    public var connectionScriptFile: String?
    public var disconnectScriptFile: String?
    public var fallbackScriptFile: String?
    /// The file of each hook in `gateway.hooks`, by collection name.
    public var hookFiles: [String: String]
    /// Declared indexed fields by collection (`indexes` in `gateway.json`).
    public var indexes: [String: [String]]
    /// Ordered by event name.
    public var events: [FolderEvent]

    /// Every script of this gateway with the file it came from, for validation before a sync writes anything.
    var scripts: [(file: String, source: String)] {
        var scripts: [(file: String, source: String)] = []
        if let file = connectionScriptFile, let source = gateway.connectionScript { scripts.append((file, source)) }
        if let file = disconnectScriptFile, let source = gateway.disconnectScript { scripts.append((file, source)) }
        if let file = fallbackScriptFile, let source = gateway.fallbackScript { scripts.append((file, source)) }
        for (collection, file) in hookFiles.sorted(by: { $0.key < $1.key }) {
            if let source = gateway.hooks[collection] { scripts.append((file, source)) }
        }
        scripts += events.map { ($0.scriptFile, $0.event.script) }
        return scripts
    }
}

/// One `events/<eventName>.lua` (with its optional `events/<eventName>.json`) as read from disk.
public struct FolderEvent: Sendable, Equatable {
    public var event: EventDraft
    public var scriptFile: String
    public var settingsFile: String?
}
