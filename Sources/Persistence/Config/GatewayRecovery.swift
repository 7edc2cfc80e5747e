/// socket.io's connection state recovery for one gateway: a client whose connection dropped (a network blip, a
/// phone switching networks) and that reconnects within `maxDisconnectionMs` gets its old socket back, with its id,
/// rooms and data, and the packets it missed meanwhile, instead of starting over as a new socket. It is off by
/// default because it holds every disconnected socket's state and missed packets for that long, and because a
/// recovered socket does not run the connection script again (unless `skipConnectionHandler` is false), which a
/// gateway whose connection script does more than authenticate and join rooms has to opt into knowingly.
///
/// In `gateway.json` and the admin API it is the object `"recovery": {"enabled", "maxDisconnectionMs",
/// "skipConnectionHandler"}`: an absent key takes its default, an unknown key is refused (see ``fieldNames``).
public struct GatewayRecovery: Sendable, Equatable, Codable {
    /// Whether disconnected sockets are kept for recovery at all.
    public var enabled: Bool
    /// How long a disconnected socket's state and missed packets are kept (socket.io's `maxDisconnectionDuration`);
    /// within ``ConfigRules/recoveryWindowRangeMs``.
    public var maxDisconnectionMs: Int
    /// Whether a recovered socket skips the connection script (socket.io's `skipMiddlewares`): its connection was
    /// already accepted when it first connected.
    public var skipConnectionHandler: Bool

    public init(enabled: Bool = false, maxDisconnectionMs: Int = 120_000, skipConnectionHandler: Bool = true) {
        self.enabled = enabled
        self.maxDisconnectionMs = maxDisconnectionMs
        self.skipConnectionHandler = skipConnectionHandler
    }

    /// The default: no recovery (what every gateway stored before the setting existed gets).
    public static let disabled = GatewayRecovery()

    /// The keys of the JSON object, in the product's spelling; any other key is refused.
    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, maxDisconnectionMs, skipConnectionHandler
    }

    /// Checks ``maxDisconnectionMs``; `field` is where the object sits in the caller's JSON (`recovery`).
    public func validate(field: String = "recovery") throws(ConfigStoreError) {
        try ConfigRules.checkRecoveryWindow(maxDisconnectionMs, field: "\(field).maxDisconnectionMs")
    }

    /// Absent keys take their defaults; an unknown key is `dataCorrupted` at that key, so a misspelt setting is
    /// never silently ignored.
    public init(from decoder: any Decoder) throws {
        let any = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = any.allKeys.map(\.stringValue).sorted().first(where: { CodingKeys(rawValue: $0) == nil }) {
            throw DecodingError.dataCorruptedError(
                forKey: AnyKey(stringValue: unknown), in: any,
                debugDescription: "is not a known key (known: \(Self.fieldNames.joined(separator: ", ")))")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = GatewayRecovery.disabled
        self.init(
            enabled: try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? defaults.enabled,
            maxDisconnectionMs: try container.decodeIfPresent(Int.self, forKey: .maxDisconnectionMs) ?? defaults.maxDisconnectionMs,
            skipConnectionHandler: try container.decodeIfPresent(Bool.self, forKey: .skipConnectionHandler)
                ?? defaults.skipConnectionHandler)
    }

    /// Any JSON object key.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A field-by-field change of a gateway's ``GatewayRecovery``: `nil` keeps that field. The admin API's `PATCH`
/// sends `{"recovery": {"enabled": true}}` as this, so the other two fields stay as they are; it is applied to the
/// stored value inside the update's transaction, so two concurrent patches of different fields both land.
public struct GatewayRecoveryPatch: Sendable, Equatable {
    public var enabled: Bool?
    public var maxDisconnectionMs: Int?
    public var skipConnectionHandler: Bool?

    public init(enabled: Bool? = nil, maxDisconnectionMs: Int? = nil, skipConnectionHandler: Bool? = nil) {
        self.enabled = enabled
        self.maxDisconnectionMs = maxDisconnectionMs
        self.skipConnectionHandler = skipConnectionHandler
    }

    /// Changes nothing.
    public static let none = GatewayRecoveryPatch()

    public func validate(field: String = "recovery") throws(ConfigStoreError) {
        if let maxDisconnectionMs {
            try ConfigRules.checkRecoveryWindow(maxDisconnectionMs, field: "\(field).maxDisconnectionMs")
        }
    }

    public func applied(to recovery: GatewayRecovery) -> GatewayRecovery {
        GatewayRecovery(
            enabled: enabled ?? recovery.enabled,
            maxDisconnectionMs: maxDisconnectionMs ?? recovery.maxDisconnectionMs,
            skipConnectionHandler: skipConnectionHandler ?? recovery.skipConnectionHandler)
    }
}
