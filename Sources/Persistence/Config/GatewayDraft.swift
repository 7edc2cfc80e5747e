/// Everything needed to create a gateway; defaults are the product's defaults.
public struct GatewayDraft: Sendable, Equatable {
    public var path: String
    public var enabled: Bool
    public var requireAuth: Bool
    public var description: String
    public var connectionScript: String?
    public var disconnectScript: String?
    public var fallbackScript: String?
    public var hooks: [String: String]
    public var connectionTimeoutMs: Int
    public var defaultAck: AckMode
    public var recovery: GatewayRecovery

    public init(
        path: String,
        enabled: Bool = true,
        requireAuth: Bool = false,
        description: String = "",
        connectionScript: String? = nil,
        disconnectScript: String? = nil,
        fallbackScript: String? = nil,
        hooks: [String: String] = [:],
        connectionTimeoutMs: Int = ConfigRules.defaultTimeoutMs,
        defaultAck: AckMode = .queued,
        recovery: GatewayRecovery = .disabled
    ) {
        self.path = path
        self.enabled = enabled
        self.requireAuth = requireAuth
        self.description = description
        self.connectionScript = connectionScript
        self.disconnectScript = disconnectScript
        self.fallbackScript = fallbackScript
        self.hooks = hooks
        self.connectionTimeoutMs = connectionTimeoutMs
        self.defaultAck = defaultAck
        self.recovery = recovery
    }

    public func validate() throws(ConfigStoreError) {
        try ConfigRules.checkPath(path)
        try ConfigRules.checkTimeout(connectionTimeoutMs, field: "connectionTimeoutMs")
        try HookScripts.check(hooks)
        try recovery.validate()
    }
}
