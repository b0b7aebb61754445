/// Why a ``ProcessPool`` or ``WorkerProcess`` call failed.
public enum ProcessPoolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The worker running these tasks died; the pool replaced it.
    case workerCrashed(pid: Int32, exit: TerminationStatus, tasks: Range<Int>)
    /// These tasks ran longer than `taskTimeout`; their worker was killed and replaced.
    case taskTimedOut(pid: Int32, tasks: Range<Int>, timeout: Duration)
    /// The task at this index threw in its worker.
    case taskFailed(RemoteTaskError, task: Int)
    /// A message for these tasks could not be encoded or decoded (on either side).
    case undecodable(tasks: Range<Int>, detail: String)
    /// The pool's initializer threw in a worker, so the pool was not created (or stopped).
    case initializerFailed(RemoteTaskError)
    /// A worker did not pass the handshake: other protocol, other build, or missing task.
    case handshakeRefused(String)
    /// A worker process could not be started.
    case spawnFailed(executable: String, errno: Int32)
    /// The pool was closed or terminated before this work was dispatched.
    case closed
    /// The calling task was cancelled before this work ran (the typed form of `CancellationError`).
    case cancelled

    public var description: String {
        switch self {
        case .workerCrashed(let pid, let exit, let tasks):
            return "worker \(pid) \(exit) while running task \(Self.describe(tasks))"
        case .taskTimedOut(let pid, let tasks, let timeout):
            return "task \(Self.describe(tasks)) ran longer than \(timeout); worker \(pid) was killed"
        case .taskFailed(let error, let task): return "task \(task) threw \(error)"
        case .undecodable(let tasks, let detail): return "task \(Self.describe(tasks)): undecodable message: \(detail)"
        case .initializerFailed(let error): return "the pool's initializer threw \(error)"
        case .handshakeRefused(let why): return "worker refused: \(why)"
        case .spawnFailed(let executable, let code): return "could not start \(executable): errno \(code)"
        case .closed: return "the process pool was closed"
        case .cancelled: return "cancelled"
        }
    }

    private static func describe(_ tasks: Range<Int>) -> String {
        tasks.count == 1 ? "\(tasks.lowerBound)" : "\(tasks.lowerBound)..<\(tasks.upperBound)"
    }
}
