import NIOCore
import NIOPosix
import NIOWebSocket

/// The churn scenario: connections opened and closed one after another, `concurrency` at a time, to measure what a
/// server keeps of connections that are gone. Each upgrades to WebSocket, waits for the server's first frame (the
/// Engine.IO open packet; nothing with raw-ws) and closes.
///
/// Confined to one event loop like `BenchRun`, hence `@unchecked Sendable` without a lock.
final class ChurnRun: @unchecked Sendable {
    private let plan: BenchPlan
    private let eventLoop: EventLoop
    private let concurrency: Int
    private var remaining = 0
    private var open = 0
    private var opened = 0
    private(set) var completed = 0
    private(set) var errors: [String: Int] = [:]
    private var finished: EventLoopPromise<Void>?

    init(plan: BenchPlan, eventLoop: EventLoop, concurrency: Int) {
        self.plan = plan
        self.eventLoop = eventLoop
        self.concurrency = concurrency
    }

    /// Opens and closes `count` connections; completes when the last one has closed.
    func churn(_ count: Int) -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let promise = eventLoop.makePromise(of: Void.self)
        finished = promise
        remaining = count
        if count == 0 { promise.succeed() }
        launchMore()
        return promise.futureResult
    }

    private func launchMore() {
        while open < concurrency, remaining > 0 {
            remaining -= 1
            open += 1
            launch()
        }
    }

    private func launch() {
        let connection = NIOLoopBound(ChurnConnection(expectsOpenPacket: plan.wireProtocol == .socketIO), eventLoop: eventLoop)
        let host = "\(plan.host):\(plan.port)"
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(10))
            .channelInitializer { [self] channel in
                let handshake = WebSocketClientHandshake(host: host, path: plan.requestPath, onFailure: { self.record("\($0)") }) {
                    try $0.addHandler(connection.value)
                }
                return channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handshake) }
            }
        if !plan.sourceAddresses.isEmpty {
            bootstrap = bootstrap.bind(to: plan.sourceAddresses[opened % plan.sourceAddresses.count])
        }
        opened += 1
        bootstrap.connect(host: plan.host, port: plan.port).whenComplete { [self] outcome in
            switch outcome {
            case .failure(let error):
                record("connect: \(error)")
                ended()
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in
                    if connection.value.sawFirstFrame { self.completed += 1 } else { self.record("closed_before_open_packet") }
                    self.ended()
                }
            }
        }
    }

    private func ended() {
        open -= 1
        if remaining == 0, open == 0 {
            finished?.succeed()
            finished = nil
        } else {
            launchMore()
        }
    }

    private func record(_ kind: String) {
        errors[kind, default: 0] += 1
    }
}

/// One churned connection: closes as soon as it has what it came for.
private final class ChurnConnection: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    let expectsOpenPacket: Bool
    private(set) var sawFirstFrame = false

    init(expectsOpenPacket: Bool) {
        self.expectsOpenPacket = expectsOpenPacket
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard !expectsOpenPacket else { return }
        sawFirstFrame = true  // raw WebSocket: the upgrade is all there is
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.opcode == .text else { return }
        sawFirstFrame = frame.data.readableBytesView.first == UInt8(ascii: "0")
        context.close(promise: nil)
    }
}
