extension CollectionError {
    /// `error` as the PostgreSQL store threw it: a statement stopped by `statement_timeout`, or one refused because
    /// such a statement already failed the transaction, is the deadline's doing; anything else is a storage failure.
    init(postgres error: any Error, deadline: UInt64?) {
        guard let error = error as? PostgresStorageError else {
            self.init(.storage, String(describing: error))
            return
        }
        switch error.sqlState {
        case PostgresStorageError.queryCanceled:
            self = .interrupted
        case PostgresStorageError.inFailedTransaction where deadline.map(CollectionDeadline.hasPassed) == true:
            self = .interrupted
        case PostgresStorageError.diskFull:
            self.init(.storageFull, "the database is out of space: \(error.description)")
        default:
            self.init(.storage, error.description)
        }
    }
}
