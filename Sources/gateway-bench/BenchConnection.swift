import NIOCore
import NIOWebSocket

/// One client socket of a run: speaks Engine.IO v4 / Socket.IO v5 (or raw WebSocket echo) and reports what it
/// measures to its `BenchRun`.
///
/// Lives on its shard's event loop, like the shard (`BenchRun`) itself, so neither needs a lock.
final class BenchConnection: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// What this socket does once connected.
    enum Role {
        /// Sends `echo` or `work` events (echo-ack, pipeline).
        case worker
        /// Joins the fan-out room and counts deliveries.
        case subscriber
        /// Publishes to the fan-out room.
        case publisher
        /// Only holds the connection (idle).
        case idle
    }

    let role: Role
    /// The index of the server it connects to, in `BenchPlan.targets`.
    let target: Int
    private unowned let run: BenchRun
    private var context: ChannelHandlerContext?
    private(set) var isReady = false
    private var nextAckId = 0
    /// Send time (uptime ns) of every event whose ack has not arrived.
    private var pendingAcks: [Int: UInt64] = [:]
    /// Send time of pipeline events acked but still waiting for their `ws:result`, by request id.
    private var pendingResults: [String: UInt64] = [:]
    /// Arrival time of `ws:result`s that overtook their ack (a server may send them in either order).
    private var earlyResults: [String: UInt64] = [:]
    private(set) var inFlight = 0
    private var rateTimer: RepeatedTask?
    /// Upgrading a polling session: the WebSocket probes (`2probe`), and once answered (`3probe`) upgrades (`5`) and
    /// connects the namespace.
    private var upgrading: Bool

    init(role: Role, run: BenchRun, target: Int, upgrading: Bool = false) {
        self.role = role
        self.run = run
        self.target = target
        self.upgrading = upgrading
    }

    /// Events sent whose ack has not arrived.
    var pendingAckCount: Int { pendingAcks.count }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if run.plan.wireProtocol == .rawWebSocket { becomeReady() }
        if upgrading { send(text: "2probe") }
    }

    func channelInactive(context: ChannelHandlerContext) {
        rateTimer?.cancel()
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        run.recordError("\(error)")
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            let now = NIODeadline.now().uptimeNanoseconds
            frame.data.withUnsafeReadableBytes { handle(packet: $0, at: now) }
        case .ping:
            send(opcode: .pong, frame.data)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    // MARK: Packets

    private func handle(packet bytes: UnsafeRawBufferPointer, at now: UInt64) {
        var scanner = PacketScanner(bytes)
        if run.plan.wireProtocol == .rawWebSocket {
            // The echo server returns our own `42<ns>,<id>[...]` frame.
            scanner.advance(by: 2)
            scanner.skipNamespace()
            if let id = scanner.readInteger() { acknowledged(id: id, scanner: scanner, at: now) }
            return
        }
        switch scanner.next {
        case UInt8(ascii: "2"):
            send(text: "3")
        case UInt8(ascii: "0"):
            send(text: run.plan.connectPacket)
        case UInt8(ascii: "3") where upgrading:
            guard scanner.hasPrefix("3probe") else {
                run.recordError("upgrade_refused")
                context?.close(promise: nil)
                return
            }
            upgrading = false
            send(text: "5")
            send(text: run.plan.connectPacket)
        case UInt8(ascii: "4"):
            scanner.advance()
            let type = scanner.next
            scanner.advance()
            scanner.skipNamespace()
            switch type {
            case UInt8(ascii: "0"): becomeReady()
            case UInt8(ascii: "3"):
                if let id = scanner.readInteger() { acknowledged(id: id, scanner: scanner, at: now) }
            case UInt8(ascii: "2"): event(scanner: scanner, at: now)
            case UInt8(ascii: "4"):
                run.recordError("connect_error")
                context?.close(promise: nil)
            case UInt8(ascii: "1"):
                run.recordError("server_disconnect")
            default:
                run.recordError("unexpected_packet")
            }
        case UInt8(ascii: "1"):
            run.recordError("server_close")
        default:
            break
        }
    }

    private func acknowledged(id: Int, scanner: PacketScanner, at now: UInt64) {
        guard let sentAt = pendingAcks.removeValue(forKey: id) else {
            run.recordError("unknown_ack")
            return
        }
        run.recordAck(nanoseconds: now &- sentAt)
        var payload = scanner
        let failed = payload.hasPrefix("[{\"error\"")
        if failed {
            run.recordError("ack_error")
        } else if role == .worker, run.plan.scenario == .pipeline {
            var refusal = payload
            if refusal.seek(key: "accepted"), refusal.hasPrefix("false") {
                run.recordError("refused")
            } else if payload.seek(key: "requestId"), let requestId = payload.readString() {
                if let resultAt = earlyResults.removeValue(forKey: requestId) {
                    run.recordResult(nanoseconds: resultAt &- sentAt)
                    completed()
                } else {
                    pendingResults[requestId] = sentAt
                }
                return
            }
        }
        switch role {
        case .subscriber: run.subscriberJoined(target: target, inRoom: !failed)
        case .publisher:
            if !failed { run.recordPublished() }
            completed()
        default: completed()
        }
    }

    private func event(scanner: PacketScanner, at now: UInt64) {
        var fields = scanner
        if scanner.hasPrefix("[\"fan\"") {
            if fields.seek(key: "t"), let sentAt = fields.readInteger() {
                run.recordDelivery(nanoseconds: now &- UInt64(sentAt), target: target)
            }
        } else if scanner.hasPrefix("[\"ws:result\"") {
            guard fields.seek(key: "requestId"), let requestId = fields.readString() else { return }
            if let sentAt = pendingResults.removeValue(forKey: requestId) {
                run.recordResult(nanoseconds: now &- sentAt)
                completed()
            } else {
                earlyResults[requestId] = now
            }
        } else if scanner.hasPrefix("[\"ws:error\"") {
            run.recordError("ws:error")
            if fields.seek(key: "requestId"), let requestId = fields.readString(), pendingResults.removeValue(forKey: requestId) != nil {
                completed()
            }
        }
    }

    // MARK: Load

    private func becomeReady() {
        guard !isReady else { return }
        isReady = true
        run.connectionReady(self)
    }

    /// Starts this socket's share of the load: `inFlight` events at once (closed loop) or a timer (open loop).
    func startLoad() {
        guard let context else { return }
        if role == .subscriber {
            sendEvent(name: "join", body: run.joinBody)
            return
        }
        guard role == .worker || role == .publisher else { return }
        if let rate = run.plan.ratePerConnection {
            let interval = TimeAmount.nanoseconds(Int64(1e9 / rate))
            let offset = TimeAmount.nanoseconds(Int64.random(in: 0..<max(interval.nanoseconds, 1)))
            let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
            rateTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: offset, delay: interval) { _ in
                // Open loop: a server that falls behind builds up pending acks; stop adding past 10,000.
                guard connection.value.pendingAcks.count < 10_000 else { return }
                connection.value.sendLoadEvent()
            }
        } else {
            for _ in 0..<run.plan.inFlight { sendLoadEvent() }
        }
    }

    /// Sends the next event if the run still wants load; publishers may be held back by the run.
    func sendLoadEvent() {
        guard run.isSending else { return }
        if role == .publisher, !run.mayPublish(self) { return }
        guard run.takeFromBudget() else { return }
        inFlight += 1
        switch run.plan.scenario {
        case .echoAck: sendEvent(name: "echo", body: run.payloadBody)
        case .pipeline: sendEvent(name: "work", body: run.payloadBody)
        case .fanout: sendEvent(name: "publish", body: run.publishBody())
        case .idle, .churn: inFlight -= 1
        }
    }

    private func completed() {
        run.recordCompletion()
        inFlight -= 1
        if run.plan.ratePerConnection == nil { sendLoadEvent() }
    }

    func close() -> EventLoopFuture<Void>? {
        rateTimer?.cancel()
        guard let context else { return nil }
        return context.channel.close()
    }

    // MARK: Writing

    private func sendEvent(name: StaticString, body: ByteBuffer) {
        guard let context else { return }
        let id = nextAckId
        nextAckId &+= 1
        var buffer = context.channel.allocator.buffer(capacity: body.readableBytes + 32 + name.utf8CodeUnitCount)
        buffer.writeStaticString("42")
        buffer.writeString(run.plan.namespacePrefix)
        buffer.writeString(String(id))
        buffer.writeStaticString("[\"")
        buffer.writeStaticString(name)
        buffer.writeStaticString("\",")
        buffer.writeImmutableBuffer(body)
        buffer.writeStaticString("]")
        pendingAcks[id] = NIODeadline.now().uptimeNanoseconds
        send(opcode: .text, buffer)
    }

    private func send(text: String) {
        guard let context else { return }
        send(opcode: .text, context.channel.allocator.buffer(string: text))
    }

    private func send(opcode: WebSocketOpcode, _ data: ByteBuffer) {
        guard let context else { return }
        let frame = WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }
}
