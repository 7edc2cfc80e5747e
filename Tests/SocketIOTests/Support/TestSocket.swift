import JSONCore
import Logging
import NIOPosix

@testable import EngineIO
@testable import SocketIO

/// A real ``Socket`` over a long-polling Engine.IO session that is never started (no handshake, no heartbeat): what
/// the server sends it waits in the session until ``received()`` polls it.
struct TestSocket {
    let socket: Socket
    private let session: EngineSession

    init(namespace: Namespace, server: SocketIOServer, rooms: Set<String>) {
        let request = HandshakeRequest(headers: ["user-agent": "test"], query: [:], address: "127.0.0.1", issued: 0, url: "/socket.io/")
        session = EngineSession(
            id: SessionID.make(), version: .v4, transport: nil, handshake: request, environment: EngineSessionEnvironment(options: EngineIOOptions(), logger: Logger(label: "test")),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        socket = Socket(
            id: SessionID.make(), namespace: namespace, handshake: Handshake(request: request, auth: [:], extraQuery: [:]),
            client: Client(session: session, server: server))
        namespace.add(socket)
        for room in rooms { socket.join(room) }
    }

    var id: String { socket.id }

    /// The events sent to the socket since the last call, each as `[name, args…]`; nil once its connection is closed.
    /// A no-op packet sent after them marks where they end.
    func received() async -> [JSONValue]? {
        session.send([EnginePacket(.noop)])
        var decoder = SocketIOPacketDecoder()
        var events: [JSONValue] = []
        while true {
            guard case .packets(let packets) = await session.poll() else { return nil }
            for packet in packets {
                if packet.kind == .noop { return events }
                let decoded: SocketIOPacket? = switch packet.payload {
                case .text(let text)?: try? decoder.receive(text: text)
                case .binary(let bytes)?: try? decoder.receive(binary: bytes)
                case nil: nil
                }
                if let decoded, decoded.kind == .event, let data = decoded.data { events.append(data) }
            }
        }
    }
}
