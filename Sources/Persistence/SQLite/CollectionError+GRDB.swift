import GRDB

extension CollectionError {
    /// `error` as GRDB threw it: an interrupt, or a transaction SQLite rolled back because of one, is the
    /// deadline's doing; a full disk is said so; anything else is a storage failure.
    init(database error: any Error, deadline: UInt64?) {
        guard let error = error as? DatabaseError else {
            self.init(.storage, String(describing: error))
            return
        }
        switch error.resultCode {
        case .SQLITE_INTERRUPT:
            self = .interrupted
        case .SQLITE_ABORT where deadline.map(CollectionDeadline.hasPassed) == true:
            self = .interrupted
        case .SQLITE_FULL:
            self.init(.storageFull, "the database is out of space: \(error.message ?? "disk full")")
        default:
            self.init(.storage, error.description)
        }
    }
}
