import JSONCore

/// The shape of `USER`: claims with an `id` (taken from `sub` when absent) that is a string or an integer.
///
/// Verified tokens, `SOCKET.signIn` claims and test runs' `user` all go through here, so `USER` means one thing.
public enum HandlerUser {
    /// `claims` as `USER`, or nil when they name no usable id.
    public static func from(claims: [String: JSONValue]) -> JSONValue? {
        var claims = claims
        if claims["id"] == nil || claims["id"] == .null { claims["id"] = claims["sub"] }
        guard let id = claims["id"], id.stringValue != nil || id.intValue != nil else { return nil }
        return .object(claims)
    }

    /// The id of a `USER` value, as the string user rooms and `emitToUser` address it by.
    public static func id(of user: JSONValue?) -> String? {
        guard let id = user?["id"] else { return nil }
        return id.stringValue ?? id.intValue.map(String.init)
    }
}
