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
    /// Absent keys take their defaults.
    var recovery: RecoveryRequest?

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
            defaultAck: defaultAck ?? .queued,
            recovery: recovery?.changes.applied(to: .disabled) ?? .disabled)
    }
}

/// `PATCH /admin/gateways/{id}`: absent fields stay as they are; `null` clears a script; `hooks` replaces them all;
/// `recovery` merges field by field (`{"recovery": {"enabled": true}}` keeps the other two fields).
struct UpdateGatewayRequest: Decodable {
    var patch: GatewayPatch

    private enum CodingKeys: String, CodingKey {
        case path, enabled, requireAuth, description, connectionScript, disconnectScript, fallbackScript, connectionTimeoutMs
        case defaultAck, hooks, recovery
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
            defaultAck: try container.decodeIfPresent(AckMode.self, forKey: .defaultAck),
            recoveryChanges: try container.decodeIfPresent(RecoveryRequest.self, forKey: .recovery)?.changes ?? .none)
    }
}

/// The `recovery` object of a gateway request, every key optional: what it sets. A key it does not know is refused
/// with its name (`recovery.maxDisconnectMs`), so a misspelt setting is never silently ignored; the range of
/// `maxDisconnectionMs` is checked by the store (`recovery.maxDisconnectionMs`).
struct RecoveryRequest: Decodable {
    var changes: GatewayRecoveryPatch

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let field = decoder.codingPath.map(\.stringValue).joined(separator: ".")
        let names = GatewayRecovery.fieldNames
        let members: KeyedDecodingContainer<AnyKey>
        do {
            members = try decoder.container(keyedBy: AnyKey.self)
        } catch DecodingError.typeMismatch {
            throw AdminError.validation(field: field, "must be an object with \(names.joined(separator: ", "))")
        }
        if let unknown = members.allKeys.map(\.stringValue).sorted().first(where: { !names.contains($0) }) {
            throw AdminError.validation(
                field: "\(field).\(unknown)", "is not a known key (known: \(names.joined(separator: ", ")))")
        }
        let container = try decoder.container(keyedBy: GatewayRecovery.CodingKeys.self)
        let maxDisconnectionMs: Int?
        do {
            maxDisconnectionMs = try container.decodeIfPresent(Int.self, forKey: .maxDisconnectionMs)
        } catch {
            // Also a number that is no Int (1.5, 1e30), which Foundation's JSONDecoder reports as invalid JSON,
            // naming no field.
            throw AdminError.validation(field: "\(field).maxDisconnectionMs", "must be an integer")
        }
        changes = GatewayRecoveryPatch(
            enabled: try container.decodeIfPresent(Bool.self, forKey: .enabled),
            maxDisconnectionMs: maxDisconnectionMs,
            skipConnectionHandler: try container.decodeIfPresent(Bool.self, forKey: .skipConnectionHandler))
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
