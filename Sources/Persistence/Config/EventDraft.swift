/// Everything needed to create an event handler; defaults are the product's defaults.
public struct EventDraft: Sendable, Equatable {
    public var eventName: String
    public var script: String
    public var enabled: Bool
    public var timeoutMs: Int
    public var ack: AckMode
    public var description: String

    public init(
        eventName: String,
        script: String,
        enabled: Bool = true,
        timeoutMs: Int = ConfigRules.defaultTimeoutMs,
        ack: AckMode = .queued,
        description: String = ""
    ) {
        self.eventName = eventName
        self.script = script
        self.enabled = enabled
        self.timeoutMs = timeoutMs
        self.ack = ack
        self.description = description
    }

    public func validate() throws(ConfigStoreError) {
        try ConfigRules.checkEventName(eventName)
        try ConfigRules.checkTimeout(timeoutMs, field: "timeoutMs")
    }
}
