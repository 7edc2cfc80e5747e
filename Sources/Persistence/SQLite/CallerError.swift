/// An error the caller's body threw, carried through GRDB so that it comes out unchanged.
struct CallerError: Error {
    let error: any Error
}
