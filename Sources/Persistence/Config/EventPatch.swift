/// A partial update of an event handler: `nil` leaves a field as it is. Setting `eventName` renames it.
public struct EventPatch: Sendable, Equatable {
    public var eventName: String?
    public var script: String?
    public var enabled: Bool?
    public var timeoutMs: Int?
    public var ack: AckMode?
    public var description: String?

    public init(
        eventName: String? = nil,
        script: String? = nil,
        enabled: Bool? = nil,
        timeoutMs: Int? = nil,
        ack: AckMode? = nil,
        description: String? = nil
    ) {
        self.eventName = eventName
        self.script = script
        self.enabled = enabled
        self.timeoutMs = timeoutMs
        self.ack = ack
        self.description = description
    }

    /// A patch that makes an event match `draft` in every field.
    init(replacingWith draft: EventDraft) {
        self.init(
            eventName: draft.eventName,
            script: draft.script,
            enabled: draft.enabled,
            timeoutMs: draft.timeoutMs,
            ack: draft.ack,
            description: draft.description
        )
    }

    public func validate() throws(ConfigStoreError) {
        if let eventName { try ConfigRules.checkEventName(eventName) }
        if let timeoutMs { try ConfigRules.checkTimeout(timeoutMs, field: "timeoutMs") }
    }

    func applied(to event: EventRecord) -> EventRecord {
        var result = event
        result.eventName = eventName ?? event.eventName
        result.script = script ?? event.script
        result.enabled = enabled ?? event.enabled
        result.timeoutMs = timeoutMs ?? event.timeoutMs
        result.ack = ack ?? event.ack
        result.description = description ?? event.description
        return result
    }
}
