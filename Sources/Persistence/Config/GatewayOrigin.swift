/// Who owns a gateway: `handlers sync` only ever creates, changes or removes gateways born from the folder.
public enum GatewayOrigin: String, Codable, Sendable {
    /// Created through the admin API (or any store caller); never touched by folder sync.
    case api
    /// Loaded from `handlers/<folderName>/`.
    case folder
}
