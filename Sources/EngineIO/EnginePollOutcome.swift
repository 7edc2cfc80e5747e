/// What a long-polling GET gets back from its session.
enum EnginePollOutcome: Sendable, Equatable {
    case packets([EnginePacket])
    /// Not allowed now (overlapping poll, session upgraded or closed).
    case refused(EngineHTTPError)
}
