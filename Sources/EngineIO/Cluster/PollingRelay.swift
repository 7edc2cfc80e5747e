import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOPosix

/// Forwards a long-polling request (a poll or a POST) for another node's session to that node over a connection of its
/// own, and answers with the owner's response: its status, headers (CORS included) and body.
///
/// A poll the owner holds stays held there, and here with it. Sizes keep the session's limits: the body goes on as it
/// arrives up to one byte past `maxHttpBufferSize` (so the owner refuses an oversized one, as it would the whole), and
/// the answer is read up to twice `maxOutboundBufferBytes` (what a session may have waiting, in base64 and framing).
/// The request carries ``EngineCluster/forwardedByHeader``, so the owner never forwards it again.
struct PollingRelay: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case answerTooLarge(limit: Int)
        case answerIncomplete

        var description: String {
            switch self {
            case .answerTooLarge(let limit): "its answer was over \(limit) bytes"
            case .answerIncomplete: "the connection ended (or the poll's longest hold passed) before its answer was whole"
            }
        }
    }

    static let connectTimeout = TimeAmount.seconds(5)

    /// Header fields that describe one connection, not the request: the relay's own connection sets its own.
    private static let connectionFields: [HTTPField.Name] = [
        .connection, .transferEncoding, .contentLength, .te, .trailer, .upgrade, .expect,
        HTTPField.Name("Keep-Alive")!, HTTPField.Name("Proxy-Connection")!,
    ]
    static let forwardedBy = HTTPField.Name(EngineCluster.forwardedByHeader)!

    let eventLoops: any EventLoopGroup
    let requestBodyLimit: Int
    let answerLimit: Int
    /// The longest the owner may hold a poll: a v4 ping's interval, a silent v3 client's timeout, an upgrade under way.
    let answerTimeout: TimeAmount

    init(options: EngineIOOptions, eventLoops: any EventLoopGroup) {
        self.eventLoops = eventLoops
        self.requestBodyLimit = options.maxHttpBufferSize
        self.answerLimit = 2 * options.maxOutboundBufferBytes
        self.answerTimeout = .init(options.pingInterval + options.pingTimeout + options.upgradeTimeout)
    }

    /// The owner's answer, or why there is none (it could not be reached, or its answer did not come whole).
    func forward(_ request: Request, to target: SessionRoute.Target) async throws -> Response {
        let address = target.address
        let connection = try await ClientBootstrap(group: eventLoops)
            .connectTimeout(Self.connectTimeout)
            .connect(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPClientCodec())
                    return try NIOAsyncChannel<HTTPResponsePart, HTTPRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        // Cutting the connection ends the answer's stream: `answerIncomplete`.
        let deadline = connection.channel.eventLoop.scheduleTask(in: answerTimeout) { [channel = connection.channel] in
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
        return try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(.head(Self.forwardedHead(of: request.head, by: target.forwarder)))
            var remaining = requestBodyLimit + 1
            for try await chunk in request.body {
                let part = chunk.getSlice(at: chunk.readerIndex, length: min(remaining, chunk.readableBytes)) ?? chunk
                remaining -= part.readableBytes
                try await outbound.write(.body(part))
                if remaining == 0 { break }
            }
            try await outbound.write(.end(nil))
            return try await answer(from: inbound)
        }
    }

    /// The request as the owner gets it: this connection's fields replaced, and who forwarded it.
    private static func forwardedHead(of head: HTTPRequest, by forwarder: NodeID) -> HTTPRequest {
        var head = head
        for name in connectionFields { head.headerFields[name] = nil }
        head.headerFields[.connection] = "close"
        head.headerFields[forwardedBy] = forwarder.rawValue
        return head
    }

    private func answer(from inbound: NIOAsyncChannelInboundStream<HTTPResponsePart>) async throws -> Response {
        var head: HTTPResponse?
        var body = ByteBuffer()
        for try await part in inbound {
            switch part {
            case .head(let response):
                head = response
            case .body(let chunk):
                guard body.readableBytes + chunk.readableBytes <= answerLimit else {
                    throw Failure.answerTooLarge(limit: answerLimit)
                }
                body.writeImmutableBuffer(chunk)
            case .end:
                guard var head else { throw Failure.answerIncomplete }
                for name in Self.connectionFields { head.headerFields[name] = nil }
                return Response(status: head.status, headers: head.headerFields, body: .init(byteBuffer: body))
            }
        }
        throw Failure.answerIncomplete
    }
}
