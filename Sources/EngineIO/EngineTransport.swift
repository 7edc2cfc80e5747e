/// One way packets reach an Engine.IO client: long-polling, where the GET the client holds open is answered with
/// them (``PollRequest``), or a WebSocket, which writes them as frames (``WebSocketTransport``).
///
/// A transport only carries packets: ``EngineSessionStateMachine`` decides what goes to which one and when (what a
/// poll takes, what waits for an upgrade, which refusal waits for the upgraded WebSocket's writes), and
/// ``EngineSession`` hands each transport what the machine says.
protocol EngineTransport: Sendable {
    /// The transport's name in the protocol: the `transport` query parameter, an entry of the open packet's `upgrades`.
    static var name: EngineIOOptions.Transport { get }
    /// Sends packets to the client: a poll is answered with them, a WebSocket writes them after what it has queued.
    func send(_ packets: [EnginePacket])
    /// Turns the client away when the session will not take this transport (an overlapping poll, a poll or a second
    /// WebSocket after the upgrade): a poll is answered `bad request`, a WebSocket gets a close frame and is cut.
    func refuse()
}
