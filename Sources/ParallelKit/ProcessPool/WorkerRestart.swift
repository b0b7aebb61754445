/// A worker of a ``ProcessPool`` that was replaced: which one, why, and by which — what the
/// pool's `onWorkerRestart:` handler receives, and ``ProcessPool/workerRestarts`` counts.
///
/// ```swift
/// let pool = try await ProcessPool(workers: .all, onWorkerRestart: { restart in
///     print("worker \(restart.replacedPID) \(restart.reason); now \(restart.pid)")
/// })
/// ```
///
/// A replacement is started when work needs one, so a restart is reported once the new worker
/// has passed its handshake and initializer — a pool whose workers keep dying shows as a
/// climbing count, not as silence.
public struct WorkerRestart: Sendable, Hashable, CustomStringConvertible {
    /// Why a worker left the pool before the pool ended.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// It died running a batch (a signal, `fatalError`, `exit(n)`, an OOM kill): how it ended.
        case crashed(TerminationStatus)
        /// It died while idle: how it ended.
        case diedWhileIdle(TerminationStatus)
        /// It ran a batch past `taskTimeout` and was killed.
        case timedOut
        /// Its answer could not be decoded, and it was killed.
        case undecodable
        /// It had run `maxTasksPerWorker` batches and was stopped.
        case maxTasksPerWorker

        public var description: String {
            switch self {
            case .crashed(let exit): "\(exit) while running a batch"
            case .diedWhileIdle(let exit): "\(exit) while idle"
            case .timedOut: "timed out"
            case .undecodable: "sent an undecodable answer"
            case .maxTasksPerWorker: "reached maxTasksPerWorker"
            }
        }
    }

    /// The replacement's process ID.
    public var pid: Int32
    /// The process ID of the worker it replaces.
    public var replacedPID: Int32
    public var reason: Reason

    public var description: String { "worker \(replacedPID) \(reason), replaced by \(pid)" }
}
