/// What a `handlers sync` did, for the CLI to print and tests to check.
public struct SyncSummary: Sendable, Equatable {
    public enum Action: String, Sendable {
        case created, updated, deleted, unchanged
    }

    public struct Counts: Sendable, Equatable {
        public var created = 0
        public var updated = 0
        public var deleted = 0
        public var unchanged = 0

        public init(created: Int = 0, updated: Int = 0, deleted: Int = 0, unchanged: Int = 0) {
            self.created = created
            self.updated = updated
            self.deleted = deleted
            self.unchanged = unchanged
        }

        /// Created, updated or deleted: everything but `unchanged`.
        public var changed: Int { created + updated + deleted }

        mutating func record(_ action: Action, count: Int = 1) {
            switch action {
            case .created: created += count
            case .updated: updated += count
            case .deleted: deleted += count
            case .unchanged: unchanged += count
            }
        }

        static func + (lhs: Counts, rhs: Counts) -> Counts {
            Counts(
                created: lhs.created + rhs.created,
                updated: lhs.updated + rhs.updated,
                deleted: lhs.deleted + rhs.deleted,
                unchanged: lhs.unchanged + rhs.unchanged
            )
        }
    }

    /// One folder gateway's outcome. `action` is about the gateway's own fields and scripts; its events'
    /// outcomes are counted in `events`.
    public struct GatewayOutcome: Sendable, Equatable {
        public var folderName: String
        public var path: String
        public var action: Action
        public var events: Counts
    }

    /// Ordered as applied: deletions, then updates, then creations, each by folder name.
    public var gateways: [GatewayOutcome] = []

    public var gatewayCounts: Counts {
        gateways.reduce(into: Counts()) { $0.record($1.action) }
    }

    public var eventCounts: Counts {
        gateways.reduce(Counts()) { $0 + $1.events }
    }

    /// Whether the sync wrote anything at all.
    public var changedAnything: Bool {
        gateways.contains { $0.action != .unchanged || $0.events.changed > 0 }
    }
}
