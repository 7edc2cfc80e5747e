import Foundation
import GRDB

/// A stored event handler: the Lua script a gateway runs for one incoming Socket.IO event.
public struct EventRecord: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var gatewayId: Int64
    /// Unique within its gateway.
    public var eventName: String
    public var enabled: Bool
    public var script: String
    public var timeoutMs: Int
    public var ack: AckMode
    public var description: String
    /// Changes on every update of this event.
    public var version: Int64
    public var createdAt: Date
    public var updatedAt: Date
}

extension EventRecord: FetchableRecord {
    public init(row: Row) throws {
        id = row["id"]
        gatewayId = row["gateway_id"]
        eventName = row["event_name"]
        enabled = row["enabled"]
        script = row["script"]
        timeoutMs = row["timeout_ms"]
        ack = row["ack_mode"]
        description = row["description"]
        version = row["version"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}
