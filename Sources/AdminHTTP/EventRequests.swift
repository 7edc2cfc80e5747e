import Persistence

/// `POST /admin/gateways/{id}/events`: `eventName` and `script` are required.
struct CreateEventRequest: Decodable {
    var eventName: String
    var script: String
    var enabled: Bool?
    var timeoutMs: Int?
    var ack: AckMode?
    var description: String?

    /// The event to create; without `ack` it takes the gateway's `defaultAck`.
    func draft(defaultAck: AckMode) -> EventDraft {
        EventDraft(
            eventName: eventName,
            script: script,
            enabled: enabled ?? true,
            timeoutMs: timeoutMs ?? ConfigRules.defaultTimeoutMs,
            ack: ack ?? defaultAck,
            description: description ?? "")
    }
}

/// `PATCH /admin/gateways/{id}/events/{eventName}`: absent fields stay as they are; `eventName` renames.
struct UpdateEventRequest: Decodable {
    var eventName: String?
    var script: String?
    var enabled: Bool?
    var timeoutMs: Int?
    var ack: AckMode?
    var description: String?

    var patch: EventPatch {
        EventPatch(eventName: eventName, script: script, enabled: enabled, timeoutMs: timeoutMs, ack: ack, description: description)
    }
}

/// `GET /admin/gateways/{id}/events`.
struct EventList: Encodable {
    var events: [EventRecord]
}
