/// The names of the notification channels a cluster's nodes use, under the prefix `gatewayd_channel_prefix()` gives
/// for the schema they work in (`migrations/postgres/0003_cluster.sql`): `<prefix>#config` (config changes, from a
/// trigger), `<prefix>#registry` (a node joined or left), `<prefix>#nodes` (bus messages to every node) and
/// `<prefix>#node#<node id>` (bus messages to one node).
struct PostgresChannels: Sendable, Equatable {
    let prefix: String

    var config: String { prefix + "#config" }
    var registry: String { prefix + "#registry" }

    func name(of channel: BusChannel) -> String {
        switch channel {
        case .nodes: prefix + "#nodes"
        case .node(let id): prefix + "#node#" + id
        }
    }

    /// The channels of the schema `session` works in.
    static func read(_ session: PostgresSession) throws -> PostgresChannels {
        let rows = try session.query("SELECT gatewayd_channel_prefix()").rows
        guard let prefix = try rows.first?.decode(String.self) else {
            throw PostgresStorageError("gatewayd_channel_prefix() answered nothing")
        }
        return PostgresChannels(prefix: prefix)
    }
}
