import Foundation

/// A stored gateway: one Socket.IO namespace with its connection and disconnect scripts.
///
/// Its JSON form uses the product's field names, so the admin API can return it as is.
public struct GatewayRecord: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    /// The namespace, e.g. `/chat`; unique.
    public var path: String
    public var enabled: Bool
    public var requireAuth: Bool
    public var description: String
    /// Lua run when a client connects; `nil` accepts every connection without running anything.
    public var connectionScript: String?
    /// Lua run after a client disconnected.
    public var disconnectScript: String?
    /// Lua run for every event that has no handler of its own (`EVENT` names it); `nil`: such events get `NO_HANDLER`.
    public var fallbackScript: String?
    /// Change hooks by collection name: Lua run after each committed create/update/delete of that collection.
    public var hooks: [String: String]
    public var connectionTimeoutMs: Int
    /// The ack mode of events created without one, and of the fallback handler.
    public var defaultAck: AckMode
    /// socket.io's connection state recovery; `.disabled` for gateways stored before the setting existed.
    public var recovery: GatewayRecovery
    public var origin: GatewayOrigin
    /// The `handlers/` sub-folder a `.folder` gateway comes from; `nil` for `.api` gateways.
    public var folderName: String?
    /// Changes on every update of the gateway or of one of its events: the runtime compares it to reload.
    public var version: Int64
    public var createdAt: Date
    public var updatedAt: Date
}

extension GatewayRecord {
    /// Encodes absent scripts and folder name as `null` rather than leaving the keys out, so API clients
    /// always see every field.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(path, forKey: .path)
        try container.encode(enabled, forKey: .enabled)
        try container.encode(requireAuth, forKey: .requireAuth)
        try container.encode(description, forKey: .description)
        try container.encode(connectionScript, forKey: .connectionScript)
        try container.encode(disconnectScript, forKey: .disconnectScript)
        try container.encode(fallbackScript, forKey: .fallbackScript)
        try container.encode(hooks, forKey: .hooks)
        try container.encode(connectionTimeoutMs, forKey: .connectionTimeoutMs)
        try container.encode(defaultAck, forKey: .defaultAck)
        try container.encode(recovery, forKey: .recovery)
        try container.encode(origin, forKey: .origin)
        try container.encode(folderName, forKey: .folderName)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
    }
}
