import SocketIO

/// The reference behaviour the official Socket.IO test suite expects.
enum ProtocolSuiteApp {
    static func install(on server: SocketIOServer) {
        for name in ["/", "/custom"] {
            server.of(name).onConnection { socket in
                socket.emit("auth", socket.handshake.auth)
                socket.on("message") { event in socket.emit("message-back", args: event.args) }
                socket.on("message-with-ack") { event in event.ack?.send(event.args) }
            }
        }
    }
}
