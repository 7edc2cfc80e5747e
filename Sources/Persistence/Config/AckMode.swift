/// How an event's Socket.IO acknowledgement is answered.
public enum AckMode: String, Codable, Sendable, CaseIterable {
    /// Enfyra-style: the ack confirms the event was queued, and the outcome follows as `ws:result` / `ws:error`.
    case queued
    /// The ack carries the handler's return values; no `ws:result` is sent.
    case result
    /// Node's error-first convention (Feathers, most hand-written apps): `ack(null, ...values)` on success,
    /// `ack(error)` with a Feathers-style error object on failure.
    case callback
}
