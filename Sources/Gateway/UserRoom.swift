/// The room of a signed-in user's sockets, in every gateway's adapter: what `emitToUser` reaches.
///
/// Reserved: its name starts with a NUL byte, and the sandbox refuses room names containing one, so no script can
/// join, leave, size or address a user's room as a room — only verified tokens and `SOCKET.signIn` put sockets in it.
enum UserRoom {
    static let prefix = "\u{0}user:"

    static func name(of userId: String) -> String { prefix + userId }

    static func isReserved(_ room: String) -> Bool { room.hasPrefix(prefix) }
}
