import Foundation

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
