import ParallelKitSystem

/// The runaway guard: a process started as a worker that reaches code starting workers itself.
///
/// A worker runs its program again. When that program's `main` does not call
/// ``WorkerTasks/serveIfWorker(_:)-(any WorkerTask.Type...)`` first, the worker goes on through
/// `main`, starts a pool of its own, whose workers do the same — copies without end, stopped only
/// by a process limit. The marker a worker is started with (``socketVariable``) is consumed by
/// `serveIfWorker`, so a process that still has it when it starts a worker never served: it stops
/// here, with one message on stderr and ``notServingStatus``, which the parent reports as
/// ``BackendError/Code/workerNotServing``. A task that starts a pool on purpose runs after
/// `serveIfWorker` consumed the marker, and its pool's workers get markers of their own.
extension WorkerTasks {
    /// The exit status of a worker stopped by the runaway guard (`EX_CONFIG`, 78).
    static let notServingStatus: Int32 = 78

    /// The names of the tasks the parent registered, comma-separated: for the message.
    static let tasksVariable = "PARALLELKIT_WORKER_TASKS"

    /// The value of ``tasksVariable`` for the workers this process starts.
    static var registeredNames: String { signatures.keys.sorted().joined(separator: ",") }

    /// Stops this process when it was started as a worker and has not served: it is about to
    /// start workers itself. Called before every worker process is started.
    static func refuseUnlessServing(starting executable: String) {
        guard getenv(socketVariable) != nil else { return }
        let names = getenv(tasksVariable).map { String(cString: $0) }.map { $0.split(separator: ",").map(String.init) }
        let listed = (names ?? []).isEmpty ? "" : (names ?? []).map { "\($0).self" }.joined(separator: ", ")
        let message =
            "ParallelKit: process \(getpid()) was started as a worker by process \(getppid()), but it ran its "
            + "program's main and is starting a worker (\(executable)) itself, for a ProcessPool or WorkerProcess, "
            + "without having called WorkerTasks.serveIfWorker. Add `WorkerTasks.serveIfWorker(\(listed))` as the "
            + "first line of main, before anything else runs. Stopping (exit status \(notServingStatus)) instead of "
            + "starting copies of this program without end.\n"
        try? writeAll(2, Array(message.utf8))
        _exit(notServingStatus)
    }
}
