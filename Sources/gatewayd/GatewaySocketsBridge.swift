import AdminHTTP
import Foundation
import Gateway
import ScriptSandbox
import SocketIO

/// The admin API's socket routes (AdminHTTP) served by the gateway runtime; the two modules are siblings.
struct GatewaySocketsBridge: SocketAdministering {
    let runtime: GatewayRuntime

    func sockets(at path: String) async throws -> [AdminSocket]? {
        try await runtime.sockets(at: path)?.map { snapshot in
            AdminSocket(
                id: snapshot.id,
                // The runtime keeps the user in the socket's data, where every node sees it.
                user: snapshot.data["user"].flatMap { HandlerUser.id(of: $0) },
                transport: snapshot.transport,
                // Neither its own id room nor the server's (a NUL first: its user's room).
                rooms: snapshot.rooms.filter { $0 != snapshot.id && !$0.hasPrefix("\u{0}") }.sorted(),
                connectedAt: Date(timeIntervalSince1970: Double(snapshot.handshake.issued) / 1000)
                    .formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
    }

    func disconnect(socket id: String, at path: String) async throws -> Bool {
        try await runtime.disconnect(socket: id, at: path)
    }
}
