/// A gateway and all its events, read together so they belong to the same state of the store.
public struct GatewayWithEvents: Codable, Sendable, Equatable {
    public var gateway: GatewayRecord
    /// Ordered by event name.
    public var events: [EventRecord]

    public init(gateway: GatewayRecord, events: [EventRecord]) {
        self.gateway = gateway
        self.events = events
    }
}
