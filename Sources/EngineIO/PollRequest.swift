import NIOCore

/// The long-polling transport at one moment: the GET the client has open, answered once (with packets, a refusal,
/// or the close packet), on the session's event loop.
struct PollRequest: EngineTransport {
    static var name: EngineIOOptions.Transport { .polling }

    private let promise: EventLoopPromise<EnginePollOutcome>

    init(_ promise: EventLoopPromise<EnginePollOutcome>) {
        self.promise = promise
    }

    func answer(_ outcome: EnginePollOutcome) {
        promise.succeed(outcome)
    }

    func send(_ packets: [EnginePacket]) {
        answer(.packets(packets))
    }

    func refuse() {
        answer(.refused(.badRequest))
    }
}
