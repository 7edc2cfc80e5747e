import Foundation
import GRDB

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
    public var connectionTimeoutMs: Int
    public var origin: GatewayOrigin
    /// The `handlers/` sub-folder a `.folder` gateway comes from; `nil` for `.api` gateways.
    public var folderName: String?
    /// Changes on every update of the gateway or of one of its events: the runtime compares it to reload.
    public var version: Int64
    public var createdAt: Date
    public var updatedAt: Date
}

extension GatewayRecord: FetchableRecord {
    public init(row: Row) throws {
        id = row["id"]
        path = row["path"]
        enabled = row["enabled"]
        requireAuth = row["require_auth"]
        description = row["description"]
        connectionScript = row["connection_script"]
        disconnectScript = row["disconnect_script"]
        connectionTimeoutMs = row["connection_timeout_ms"]
        origin = row["origin"]
        folderName = row["folder_name"]
        version = row["version"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}
