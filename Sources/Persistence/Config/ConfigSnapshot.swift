/// Everything the runtime serves, read in one transaction together with the revision it corresponds to.
///
/// The runtime keeps `revision` and reloads when `ConfigStore.revision()` no longer matches it; a change that
/// lands between the two reads is then seen at the next poll, never lost.
public struct ConfigSnapshot: Sendable, Equatable {
    public var revision: Int64
    /// Ordered by path.
    public var gateways: [GatewayWithEvents]

    public init(revision: Int64, gateways: [GatewayWithEvents]) {
        self.revision = revision
        self.gateways = gateways
    }
}
