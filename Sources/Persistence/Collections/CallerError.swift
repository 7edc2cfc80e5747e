/// An error the caller's body threw, carried through a backend's transaction so that it comes out unchanged, told
/// apart from the backend's own failures.
struct CallerError: Error {
    let error: any Error

    /// Runs the caller's `body`, marking what it throws as the caller's.
    static func marking<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CallerError(error: error)
        }
    }

    /// Runs `work`, a backend's transaction around a body run with `marking`: the body's errors come out as they were,
    /// the backend's own as `CollectionError`s (`convert` turns those that are not one yet).
    static func sorting<T>(_ convert: (any Error) -> CollectionError, _ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let error as CallerError {
            throw error.error
        } catch let error as CollectionError {
            throw error
        } catch {
            throw convert(error)
        }
    }
}
