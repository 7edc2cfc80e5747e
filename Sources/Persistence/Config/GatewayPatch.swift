/// A partial update of a gateway: `nil` (or `.keep`) leaves a field as it is.
///
/// `recovery` replaces the whole setting; `recoveryChanges` then changes single fields of it (of the stored value
/// when `recovery` is nil). The admin API's `PATCH` uses `recoveryChanges`, so `{"recovery": {"enabled": true}}` keeps
/// the other two fields; a handlers sync uses `recovery`, as `gateway.json` states the whole setting.
public struct GatewayPatch: Sendable, Equatable {
    public var path: String?
    public var enabled: Bool?
    public var requireAuth: Bool?
    public var description: String?
    public var connectionScript: NullableUpdate<String>
    public var disconnectScript: NullableUpdate<String>
    public var fallbackScript: NullableUpdate<String>
    /// Replaces all of the gateway's hooks when given.
    public var hooks: [String: String]?
    public var connectionTimeoutMs: Int?
    public var defaultAck: AckMode?
    /// Replaces the whole recovery setting when given.
    public var recovery: GatewayRecovery?
    /// Field-by-field changes of the recovery setting, applied after `recovery`.
    public var recoveryChanges: GatewayRecoveryPatch

    public init(
        path: String? = nil,
        enabled: Bool? = nil,
        requireAuth: Bool? = nil,
        description: String? = nil,
        connectionScript: NullableUpdate<String> = .keep,
        disconnectScript: NullableUpdate<String> = .keep,
        fallbackScript: NullableUpdate<String> = .keep,
        hooks: [String: String]? = nil,
        connectionTimeoutMs: Int? = nil,
        defaultAck: AckMode? = nil,
        recovery: GatewayRecovery? = nil,
        recoveryChanges: GatewayRecoveryPatch = .none
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
        self.recoveryChanges = recoveryChanges
    }

    /// A patch that makes a gateway match `draft` in every field.
    init(replacingWith draft: GatewayDraft) {
        self.init(
            path: draft.path,
            enabled: draft.enabled,
            requireAuth: draft.requireAuth,
            description: draft.description,
            connectionScript: draft.connectionScript.map(NullableUpdate.set) ?? .clear,
            disconnectScript: draft.disconnectScript.map(NullableUpdate.set) ?? .clear,
            fallbackScript: draft.fallbackScript.map(NullableUpdate.set) ?? .clear,
            hooks: draft.hooks,
            connectionTimeoutMs: draft.connectionTimeoutMs,
            defaultAck: draft.defaultAck,
            recovery: draft.recovery
        )
    }

    public func validate() throws(ConfigStoreError) {
        if let path { try ConfigRules.checkPath(path) }
        if let connectionTimeoutMs { try ConfigRules.checkTimeout(connectionTimeoutMs, field: "connectionTimeoutMs") }
        if let hooks { try HookScripts.check(hooks) }
        try recovery?.validate()
        try recoveryChanges.validate()
    }

    func applied(to gateway: GatewayRecord) -> GatewayRecord {
        var result = gateway
        result.path = path ?? gateway.path
        result.enabled = enabled ?? gateway.enabled
        result.requireAuth = requireAuth ?? gateway.requireAuth
        result.description = description ?? gateway.description
        result.connectionScript = connectionScript.applied(to: gateway.connectionScript)
        result.disconnectScript = disconnectScript.applied(to: gateway.disconnectScript)
        result.fallbackScript = fallbackScript.applied(to: gateway.fallbackScript)
        result.hooks = hooks ?? gateway.hooks
        result.connectionTimeoutMs = connectionTimeoutMs ?? gateway.connectionTimeoutMs
        result.defaultAck = defaultAck ?? gateway.defaultAck
        result.recovery = recoveryChanges.applied(to: recovery ?? gateway.recovery)
        return result
    }
}
