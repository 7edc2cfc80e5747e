/// Whoever submitted a job to the ``ScriptWorkerPool`` and must know if the pool gives it up before any worker took it
/// (``ScriptWorkerPool/withdrawQueued()`` at the end of shutdown's grace period, or shutdown): an object the submitter
/// already has per run, so a withdrawal costs no closure per job.
public protocol ScriptJobOwner: AnyObject, Sendable {
    /// The job will not run; its completion is never called.
    func scriptJobWithdrawn()
}
