/// The gateways and event handlers gatewayd serves, and the collections their scripts use: what the admin API,
/// the runtime, the CLI and folder sync call, whichever database holds them (`Stores.open` picks it).
///
/// One store per process; several processes may share its database (the daemon, the admin API inside it,
/// `gatewayd handlers sync`). Every method is `async`: the work runs off the caller's cooperative thread.
///
/// Input is validated (see `ConfigRules`) and refused with `ConfigStoreError`; scripts are stored as given,
/// because compiling Lua is the caller's business. Storage failures surface as the backend's own errors.
public protocol ConfigStore: Sendable {
    /// The JSON document collections handler scripts use, in the same database.
    var collections: any CollectionStore { get }
    /// The same collections for test runs, which hold one transaction for a whole run: on a connection of their
    /// own where the backend can, so the daemon's writers are not queued behind a test run.
    var testRunCollections: any CollectionStore { get }

    /// Names of the migrations recorded as applied, in the order they were applied.
    func appliedMigrations() async throws -> [String]

    /// A number that grows with every change to any gateway or event, whichever process made it.
    /// Cheap enough to poll every second.
    func revision() async throws -> Int64

    /// All gateways with their events and the revision they correspond to, from one read transaction.
    func snapshot() async throws -> ConfigSnapshot

    // MARK: Gateways (the admin API). Gateways created here have origin `.api`, so folder sync leaves them alone.

    /// All gateways, ordered by path.
    func gateways() async throws -> [GatewayRecord]
    /// Throws `.gatewayNotFound`.
    func gateway(id: Int64) async throws -> GatewayRecord
    /// The gateway serving `path`, if any.
    func gateway(path: String) async throws -> GatewayRecord?
    /// A gateway with all its events; throws `.gatewayNotFound`.
    func gatewayWithEvents(id: Int64) async throws -> GatewayWithEvents
    /// Throws `.invalid` or `.conflict(field: "path")`.
    func createGateway(_ draft: GatewayDraft) async throws -> GatewayRecord
    /// Applies the fields `patch` sets; a patch that changes nothing keeps the version.
    /// Throws `.invalid`, `.gatewayNotFound` or `.conflict(field: "path")`.
    func updateGateway(id: Int64, _ patch: GatewayPatch) async throws -> GatewayRecord
    /// Deletes the gateway and its events. Throws `.gatewayNotFound`.
    func deleteGateway(id: Int64) async throws

    // MARK: Events (the admin API), addressed by gateway id and event name, as in its URLs.

    /// The gateway's events, ordered by name. Throws `.gatewayNotFound`.
    func events(gatewayId: Int64) async throws -> [EventRecord]
    /// Throws `.gatewayNotFound` or `.eventNotFound`.
    func event(gatewayId: Int64, eventName: String) async throws -> EventRecord
    /// Throws `.invalid`, `.gatewayNotFound` or `.conflict(field: "eventName")`.
    func createEvent(gatewayId: Int64, _ draft: EventDraft) async throws -> EventRecord
    /// Applies the fields `patch` sets (renaming when it sets `eventName`); a patch that changes nothing keeps
    /// the version. Throws `.invalid`, `.gatewayNotFound`, `.eventNotFound` or `.conflict(field: "eventName")`.
    func updateEvent(gatewayId: Int64, eventName: String, _ patch: EventPatch) async throws -> EventRecord
    /// Throws `.gatewayNotFound` or `.eventNotFound`.
    func deleteEvent(gatewayId: Int64, eventName: String) async throws

    // MARK: Folder sync

    /// Sync's writes: makes the `.folder` gateways exactly `folder`'s, in one transaction (see `HandlersFolder.sync`,
    /// which validates the scripts first and declares the indexes after). Throws `.pathTakenByAPIGateway`.
    func apply(_ folder: HandlersFolder) async throws -> SyncSummary
}
