import Persistence

/// `POST /admin/gateways`: only `path` is required; the rest take the product's defaults.
struct CreateGatewayRequest: Decodable {
    var path: String
    var enabled: Bool?
    var requireAuth: Bool?
    var description: String?
    var connectionScript: String?
    var disconnectScript: String?
    var fallbackScript: String?
    /// Change hooks: collection name → Lua source.
    var hooks: [String: String]?
    var connectionTimeoutMs: Int?
    var defaultAck: AckMode?

    var draft: GatewayDraft {
        GatewayDraft(
            path: path,
            enabled: enabled ?? true,
            requireAuth: requireAuth ?? false,
            description: description ?? "",
            connectionScript: connectionScript,
            disconnectScript: disconnectScript,
            fallbackScript: fallbackScript,
            hooks: hooks ?? [:],
            connectionTimeoutMs: connectionTimeoutMs ?? ConfigRules.defaultTimeoutMs,
            defaultAck: defaultAck ?? .queued)
    }
}

/// `PATCH /admin/gateways/{id}`: absent fields stay as they are; `null` clears a script; `hooks` replaces them all.
struct UpdateGatewayRequest: Decodable {
    var patch: GatewayPatch

    private enum CodingKeys: String, CodingKey {
        case path, enabled, requireAuth, description, connectionScript, disconnectScript, fallbackScript, connectionTimeoutMs
        case defaultAck, hooks
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        patch = GatewayPatch(
            path: try container.decodeIfPresent(String.self, forKey: .path),
            enabled: try container.decodeIfPresent(Bool.self, forKey: .enabled),
            requireAuth: try container.decodeIfPresent(Bool.self, forKey: .requireAuth),
            description: try container.decodeIfPresent(String.self, forKey: .description),
            connectionScript: try container.decodeNullable(String.self, forKey: .connectionScript),
            disconnectScript: try container.decodeNullable(String.self, forKey: .disconnectScript),
            fallbackScript: try container.decodeNullable(String.self, forKey: .fallbackScript),
            hooks: try container.decodeIfPresent([String: String].self, forKey: .hooks),
            connectionTimeoutMs: try container.decodeIfPresent(Int.self, forKey: .connectionTimeoutMs),
            defaultAck: try container.decodeIfPresent(AckMode.self, forKey: .defaultAck))
    }
}

extension KeyedDecodingContainer {
    /// Absent → keep, `null` → clear, a value → set.
    func decodeNullable<T: Decodable & Sendable & Equatable>(_ type: T.Type, forKey key: Key) throws -> NullableUpdate<T> {
        guard contains(key) else { return .keep }
        if try decodeNil(forKey: key) { return .clear }
        return .set(try decode(T.self, forKey: key))
    }
}

/// `GET /admin/gateways`.
struct GatewayList: Encodable {
    var gateways: [GatewayRecord]
}
