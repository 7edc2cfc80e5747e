import NIOCore
import NIOWebSocket

/// The one handler of an Engine.IO WebSocket connection, last in its pipeline: reads (aggregated) frames, answers
/// WebSocket pings and the close handshake, decodes Engine.IO packets for the session (or for the probe of an upgrade),
/// and passes the channel's writability on to its ``WebSocketTransport``.
///
/// The connection costs no task: everything happens in this handler, on the channel's event loop.
///
/// What its transport writes is already framed (``OutboundPackets``, ``ServerWebSocketFrame``): the handler writes
/// it below NIO's frame encoder, which the upgrade puts in the pipeline and which cannot be taken out.
final class EngineWebSocketHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = Outbound
    typealias OutboundOut = ByteBuffer

    /// What the transport writes.
    enum Outbound {
        /// A whole frame, as bytes.
        case frame(ByteBuffer)
        /// The close frame with this code: the handler keeps the close handshake.
        case close(WebSocketErrorCode)
    }

    /// How long the client has to answer our close frame before the connection is cut.
    static let closeTimeout = TimeAmount.seconds(2)

    private let session: EngineSession
    private let transport: WebSocketTransport
    /// Largest message accepted; bigger ones (up to the frame decoder's limit) are refused with close code 1009.
    private let messageLimit: Int
    private var closeSent = false
    private var closeReceived = false
    private var closeDeadline: Scheduled<Void>?
    /// Where bytes are written: NIO's frame encoder's context (a write from it goes past it), or this handler's own
    /// when there is no encoder.
    private var bytesContext: ChannelHandlerContext?

    init(session: EngineSession, transport: WebSocketTransport, messageLimit: Int) {
        self.session = session
        self.transport = transport
        self.messageLimit = messageLimit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        bytesContext = (try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)) ?? context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        bytesContext = nil
    }

    /// Writes a frame's bytes past NIO's encoder.
    private func writeBytes(_ frame: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        (bytesContext ?? context).write(wrapOutboundOut(frame), promise: promise)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            guard !closeSent, !closeReceived else { return }
            receive(frame)
        case .ping:
            guard !closeSent else { return }
            writeBytes(ServerWebSocketFrame.bytes(.pong, payload: frame.unmaskedData), context: context, promise: nil)
            context.flush()
        case .connectionClose:
            closeReceived = true
            if closeSent {
                context.close(promise: nil)
            } else {
                // Our close frame answers it (see `write`), after whatever the session still has queued.
                endTransport(reason: .transportClose, code: .normalClosure)
                armCloseDeadline(context: context)
            }
        default:
            break
        }
    }

    private func receive(_ frame: WebSocketFrame) {
        // Messages up to the frame decoder's limit are read so an oversized one is refused with a reason.
        guard frame.data.readableBytes <= messageLimit + 1 else {
            endTransport(reason: .transportError, code: .messageTooLarge)
            return
        }
        let packet: EnginePacket
        do {
            packet = try frame.opcode == .text
                ? Self.decodeTextFrame(frame)
                : Self.decodeBinaryFrame(frame.unmaskedData, version: session.version)
        } catch {
            endTransport(reason: .parseError, code: .protocolError)
            return
        }
        session.receive(packet, from: transport)
    }

    /// A text frame's packet, its payload unmasked straight into the packet's string: one copy, where NIO's
    /// `unmaskedData` and then `String(buffer:)` would make two (text frames are most of what clients send).
    static func decodeTextFrame(_ frame: WebSocketFrame) throws(EngineDecodingError) -> EnginePacket {
        let data = frame.data
        let count = data.readableBytes
        // The mask's four bytes as one little-endian word, and as two for eight bytes at a time.
        let mask32 = frame.maskKey.map { key in (0..<4).reduce(UInt32(0)) { $0 | UInt32(key[$1]) << (8 * $1) } } ?? 0
        guard let masked = data.getInteger(at: data.readerIndex, as: UInt8.self), case let first = masked ^ UInt8(truncatingIfNeeded: mask32),
              first >= UInt8(ascii: "0"), let kind = EnginePacket.Kind(rawValue: first - UInt8(ascii: "0"))
        else { throw .invalidPacketType }
        guard count > 1 else { return EnginePacket(kind) }
        // The payload starts at the frame's second byte, whose mask byte is the key's second.
        let shifted = mask32 >> 8 | mask32 << 24
        let mask64 = UInt64(shifted) | UInt64(shifted) << 32
        let text = data.withUnsafeReadableBytes { bytes in
            // Invalid UTF-8 is repaired, as `String(buffer:)` does.
            String(unsafeUninitializedCapacity: count - 1) { payload in
                let source = bytes.baseAddress! + 1, length = count - 1
                var index = 0
                while index + 8 <= length {
                    let word = (source + index).loadUnaligned(as: UInt64.self)
                    UnsafeMutableRawPointer(payload.baseAddress! + index).storeBytes(of: word ^ mask64, as: UInt64.self)
                    index += 8
                }
                while index < length {
                    payload[index] = source.load(fromByteOffset: index, as: UInt8.self) ^ UInt8(truncatingIfNeeded: mask64 >> (8 * UInt64(index & 3)))
                    index += 1
                }
                return length
            }
        }
        return EnginePacket(kind, .text(text))
    }

    private static func decodeBinaryFrame(_ buffer: ByteBuffer, version: EngineProtocolVersion) throws(EngineDecodingError) -> EnginePacket {
        let bytes = Array(buffer.readableBytesView)
        guard version == .v3 else { return .message(bytes) }
        // v3 binary frames start with the packet type byte.
        guard let first = bytes.first, let kind = EnginePacket.Kind(rawValue: first) else { throw .invalidPacketType }
        return EnginePacket(kind, .binary(Array(bytes.dropFirst())))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Frame decoding or aggregation failed: the byte stream cannot be trusted any more.
        let tooLarge: Bool
        switch error {
        case NIOWebSocketError.invalidFrameLength, NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge: tooLarge = true
        default: tooLarge = false
        }
        endTransport(reason: .transportError, code: tooLarge ? .messageTooLarge : .protocolError)
        armCloseDeadline(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { transport.channelBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let overflow as WebSocketTransport.Overflowed:
            session.closeForOverflow(pastTotal: overflow.pastTotal)
        case is ChannelShouldQuiesceEvent:
            endTransport(reason: .serverShuttingDown, code: .normalClosure)
        case ChannelEvent.inputClosed:
            // The client shut its side down without a close frame (Hummingbird allows half-closure, so this is not
            // `channelInactive`): nothing more can arrive, and nobody would answer a close frame.
            endTransport(reason: .transportClose, code: .normalClosure)
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport.channelClosed()
        closeDeadline?.cancel()
        endTransport(reason: .transportClose, code: .normalClosure)
        context.fireChannelInactive()
    }

    /// This connection is done: the session ends if it is the session's transport, otherwise the probe is dropped.
    /// Either way the transport writes the close frame after what is already queued.
    private func endTransport(reason: EngineCloseReason, code: WebSocketErrorCode) {
        session.transportEnded(transport, reason: reason, webSocketCode: code)
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let code: WebSocketErrorCode
        switch unwrapOutboundIn(data) {
        case .frame(let frame):
            writeBytes(frame, context: context, promise: promise)
            return
        case .close(let closeCode):
            code = closeCode
        }
        guard !closeSent else {
            promise?.succeed()
            return
        }
        closeSent = true
        let closeFrame = ServerWebSocketFrame.bytes(.connectionClose, length: 2) { $0.write(webSocketErrorCode: code) }
        if closeReceived {
            // The handshake is complete once our answer is out.
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in loopBoundContext.value.close(promise: nil) }
            writeBytes(closeFrame, context: context, promise: written)
        } else {
            writeBytes(closeFrame, context: context, promise: promise)
            armCloseDeadline(context: context)
        }
    }

    private func armCloseDeadline(context: ChannelHandlerContext) {
        guard closeDeadline == nil else { return }
        let channel = context.channel
        closeDeadline = context.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension EngineWebSocketHandler: Sendable {}
