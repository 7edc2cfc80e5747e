import JSONCore
import SocketIO
import Synchronization

/// The end-to-end tests' application: what a real app does with the SocketIO API.
///
/// - `/chat` requires `auth.token` (v5) or `?token=` (v4 clients) to be "letmein": otherwise
///   CONNECT_ERROR `{message:"unauthorized", data:{code:"AUTH_REQUIRED"}}`.
/// - `echo` acks its arguments; `join` joins a room; `say` emits `said` to the room (except the sender);
///   `ask` makes the server ask the client (`question`) and emits `answer` with the client's ack.
/// - `binary` acks `{size, echo}` where echo is the first argument (binary stays binary).
/// - `kick` disconnects the socket from the server side.
/// - On `/`, `disconnectReasons` acks the reasons of every `/chat` disconnect so far, so tests can
///   check what the server concluded about a connection they broke.
enum ChatApp {
    static func install(on server: SocketIOServer) {
        let reasons = Mutex<[JSONValue]>([])
        let chat = server.of("/chat")
        chat.use { socket in
            let token = socket.handshake.auth["token"]?.stringValue ?? socket.handshake.query["token"]
            guard token == "letmein" else {
                throw ConnectionRefusal(message: "unauthorized", data: ["code": "AUTH_REQUIRED"])
            }
        }
        chat.onConnection { socket in
            socket.onDisconnect { reason in reasons.withLock { $0.append(.string(reason.rawValue)) } }
            socket.emit("welcome", ["id": .string(socket.id)])
            socket.on("echo") { event in event.ack?.send(event.args) }
            socket.on("join") { event in
                guard let room = event.args.first?.stringValue else { return }
                socket.join(room)
                event.ack?.send([.int(socket.namespace.adapter.localRoomSize(room))])
            }
            socket.on("say") { event in
                guard let room = event.args.first?.stringValue else { return }
                socket.to(room).emit("said", args: Array(event.args.dropFirst()))
            }
            socket.on("ask") { _ in
                // Handlers must return at once; the wait for the client's answer is a task of its own.
                Task {
                    let answer = try? await socket.emitWithAck("question", ["what is 6*7?"], timeout: .seconds(5))
                    socket.emit("answer", args: answer ?? [.string("timeout")])
                }
            }
            socket.on("binary") { event in
                let size: Int
                if case .binary(let bytes)? = event.args.first { size = bytes.count } else { size = -1 }
                event.ack?.send([["size": .int(size), "echo": event.args.first ?? .null]])
            }
            socket.on("kick") { _ in socket.disconnect() }
        }
        server.of("/").onConnection { socket in
            socket.on("echo") { event in event.ack?.send(event.args) }
            socket.on("disconnectReasons") { event in event.ack?.send([.array(reasons.withLock { $0 })]) }
        }
    }
}
