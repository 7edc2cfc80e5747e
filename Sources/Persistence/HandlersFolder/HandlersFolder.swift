import Foundation

/// The `handlers/` folder: gateways authored as files, one sub-folder each.
///
/// ```
/// handlers/<name>/gateway.json         path, requireAuth, enabled, description, connectionTimeoutMs, eventTimeoutMs, defaultAck,
///                                      indexes, recovery
/// handlers/<name>/connection.lua       optional
/// handlers/<name>/disconnect.lua       optional
/// handlers/<name>/fallback.lua         optional: runs for every event without a handler of its own
/// handlers/<name>/events/<event>.lua   one per event
/// handlers/<name>/events/<event>.json  optional: timeoutMs, ack, enabled, description
/// handlers/<name>/hooks/<collection>.lua  optional: runs after each committed write to that collection
/// ```
///
/// Loading is strict, so a typo is an error rather than a silently ignored setting: unknown JSON keys, and
/// `.lua` / `.json` files the format does not name, are refused. Other files (READMEs, dot-files) are ignored.
/// `eventTimeoutMs` and `defaultAck` in `gateway.json` are the default `timeoutMs` and `ack` of that gateway's events;
/// `defaultAck` is also the fallback handler's ack mode. `indexes` in `gateway.json` declares indexed fields of
/// collections (`{"messages": ["roomId", "user.id"]}`), so that `find` on them uses an index. `recovery` is the
/// gateway's `GatewayRecovery` (`{"enabled": true, "maxDisconnectionMs": 120000, "skipConnectionHandler": true}`,
/// absent keys taking their defaults); as everything in `gateway.json` it states the whole setting, so a key removed
/// from it goes back to its default at the next sync.
public struct HandlersFolder: Sendable, Equatable {
    /// The folder as given to `load(from:)`; every file in errors and in `FolderGateway` starts with it.
    public var root: String
    /// Ordered by folder name.
    public var gateways: [FolderGateway]

    static let gatewayKeys: Set<String> = [
        "path", "requireAuth", "enabled", "description", "connectionTimeoutMs", "eventTimeoutMs", "defaultAck", "indexes",
        "recovery",
    ]
    static let eventKeys: Set<String> = ["timeoutMs", "ack", "enabled", "description"]

    /// Reads and checks every gateway folder under `root`; throws the first problem found.
    public static func load(from root: String) throws(HandlersFolderError) -> HandlersFolder {
        let root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        var gateways: [FolderGateway] = []
        var folderByPath: [String: String] = [:]
        for name in try entries(of: root) where isDirectory("\(root)/\(name)") {
            let gateway = try loadGateway(folder: "\(root)/\(name)", name: name)
            if let other = folderByPath[gateway.gateway.path] {
                throw HandlersFolderError(
                    .duplicatePath,
                    file: gateway.settingsFile,
                    field: "path",
                    message: "'\(gateway.gateway.path)' is also the path of \(root)/\(other)"
                )
            }
            folderByPath[gateway.gateway.path] = name
            gateways.append(gateway)
        }
        return HandlersFolder(root: root, gateways: gateways)
    }

    private static func loadGateway(folder: String, name: String) throws(HandlersFolderError) -> FolderGateway {
        let settingsFile = "\(folder)/gateway.json"
        guard FileManager.default.fileExists(atPath: settingsFile) else {
            throw HandlersFolderError(.missingFile, file: folder, message: "has no gateway.json")
        }
        let settings = try SettingsFile(file: settingsFile, allowedKeys: gatewayKeys)
        guard let path = try settings.string("path") else {
            throw HandlersFolderError(.missingField, file: settingsFile, field: "path", message: "is required")
        }
        let eventTimeoutMs = try settings.integer("eventTimeoutMs") ?? ConfigRules.defaultTimeoutMs
        do throws(ConfigStoreError) {
            try ConfigRules.checkTimeout(eventTimeoutMs, field: "eventTimeoutMs")
        } catch {
            throw settings.invalid(error)
        }

        var scriptFiles: [String: String] = [:]
        for entry in try entries(of: folder) {
            switch entry {
            case "gateway.json", "events", "hooks": continue
            case "connection.lua", "disconnect.lua", "fallback.lua": scriptFiles[entry] = "\(folder)/\(entry)"
            default: try refuseIfFormatFile(entry, in: folder)
            }
        }
        let draft = GatewayDraft(
            path: path,
            enabled: try settings.bool("enabled") ?? true,
            requireAuth: try settings.bool("requireAuth") ?? false,
            description: try settings.string("description") ?? "",
            connectionScript: try scriptFiles["connection.lua"].map(readText),
            disconnectScript: try scriptFiles["disconnect.lua"].map(readText),
            fallbackScript: try scriptFiles["fallback.lua"].map(readText),
            hooks: try loadHooks(folder: "\(folder)/hooks").mapValues { $0.source },
            connectionTimeoutMs: try settings.integer("connectionTimeoutMs") ?? ConfigRules.defaultTimeoutMs,
            defaultAck: try settings.ackMode("defaultAck") ?? .queued,
            recovery: try settings.recovery("recovery") ?? .disabled
        )
        do throws(ConfigStoreError) {
            try draft.validate()
        } catch {
            throw settings.invalid(error)
        }
        return FolderGateway(
            folderName: name,
            gateway: draft,
            settingsFile: settingsFile,
            connectionScriptFile: scriptFiles["connection.lua"],
            disconnectScriptFile: scriptFiles["disconnect.lua"],
            fallbackScriptFile: scriptFiles["fallback.lua"],
            hookFiles: try loadHooks(folder: "\(folder)/hooks").mapValues { $0.file },
            indexes: try checkedIndexes(settings),
            events: try loadEvents(folder: "\(folder)/events", defaultTimeoutMs: eventTimeoutMs, defaultAck: draft.defaultAck)
        )
    }

    /// `indexes` of `gateway.json`, every collection name and field path checked by the collection store's rules.
    private static func checkedIndexes(_ settings: SettingsFile) throws(HandlersFolderError) -> [String: [String]] {
        let indexes = try settings.indexes("indexes") ?? [:]
        for (collection, fields) in indexes.sorted(by: { $0.key < $1.key }) {
            do throws(CollectionError) {
                _ = try CollectionName(collection)
                for field in fields { _ = try FieldPath(field, field: "indexes.\(collection)") }
            } catch {
                throw HandlersFolderError(.invalidField, file: settings.file, field: "indexes.\(collection)", message: error.message)
            }
        }
        return indexes
    }

    /// `hooks/<collection>.lua`, by collection name.
    private static func loadHooks(folder: String) throws(HandlersFolderError) -> [String: (file: String, source: String)] {
        guard isDirectory(folder) else { return [:] }
        var hooks: [String: (file: String, source: String)] = [:]
        for file in try entries(of: folder) {
            guard file.hasSuffix(".lua") else {
                try refuseIfFormatFile(file, in: folder)
                continue
            }
            hooks[String(file.dropLast(4))] = ("\(folder)/\(file)", try readText("\(folder)/\(file)"))
        }
        return hooks
    }

    private static func loadEvents(folder: String, defaultTimeoutMs: Int, defaultAck: AckMode) throws(HandlersFolderError) -> [FolderEvent] {
        guard isDirectory(folder) else { return [] }
        let files = try entries(of: folder)
        for file in files where file.hasSuffix(".json") && !files.contains(file.dropLast(5) + ".lua") {
            throw HandlersFolderError(.unexpectedFile, file: "\(folder)/\(file)", message: "has no matching .lua script")
        }
        var events: [FolderEvent] = []
        for file in files where file.hasSuffix(".lua") {
            let eventName = String(file.dropLast(4))
            let scriptFile = "\(folder)/\(file)"
            let settingsFile = files.contains(eventName + ".json") ? "\(folder)/\(eventName).json" : nil
            let settings = try settingsFile.map { file throws(HandlersFolderError) in
                try SettingsFile(file: file, allowedKeys: eventKeys)
            }
            let draft = EventDraft(
                eventName: eventName,
                script: try readText(scriptFile),
                enabled: try settings?.bool("enabled") ?? true,
                timeoutMs: try settings?.integer("timeoutMs") ?? defaultTimeoutMs,
                ack: try settings?.ackMode("ack") ?? defaultAck,
                description: try settings?.string("description") ?? ""
            )
            do throws(ConfigStoreError) {
                try draft.validate()
            } catch {
                // The name comes from the script's file name; everything else from the settings file.
                guard error.field != "eventName", let settings else {
                    throw HandlersFolderError(.invalidField, file: scriptFile, field: error.field, message: error.message)
                }
                throw settings.invalid(error)
            }
            events.append(FolderEvent(event: draft, scriptFile: scriptFile, settingsFile: settingsFile))
        }
        return events
    }

    /// `.lua` and `.json` files belong to the format, so one it does not name is most likely misspelt.
    private static func refuseIfFormatFile(_ entry: String, in folder: String) throws(HandlersFolderError) {
        guard entry.hasSuffix(".lua") || entry.hasSuffix(".json") else { return }
        throw HandlersFolderError(.unexpectedFile, file: "\(folder)/\(entry)", message: "is not part of the handlers folder format")
    }

    /// Visible entries of a folder, sorted so loading and its errors are deterministic.
    private static func entries(of folder: String) throws(HandlersFolderError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw HandlersFolderError(.unreadable, file: folder, message: "cannot be listed: \(error.localizedDescription)")
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Read through a `FileHandle`: `FileManager.contents(atPath:)` leaks a 4 KiB buffer for every empty file it reads
    /// (FoundationEssentials in Swift 6.3; found by the `handlers` fuzz target), and a sync reads every file each time.
    static func readText(_ file: String) throws(HandlersFolderError) -> String {
        let data: Data
        do {
            guard let handle = FileHandle(forReadingAtPath: file) else { throw CocoaError(.fileReadNoPermission) }
            defer { try? handle.close() }
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw HandlersFolderError(.unreadable, file: file, message: "cannot be read")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw HandlersFolderError(.unreadable, file: file, message: "is not UTF-8 text")
        }
        return text
    }
}
