/// A ``ProcessPool`` is a backend: calls run in its worker processes, in batches, isolated from
/// this program and from each other's crashes.
///
/// ```swift
/// let counts = try await rows.parallelMap(CountInRange.self, on: .processes(pool))
/// ```
extension ProcessPool: ParallelBackend {
    public var capabilities: BackendCapabilities {
        [.isolatesCrashes, .supportsTimeouts, .supportsCancellation, .supportsRetries]
    }

    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], progress: (any ProgressSink)?
    ) async throws(BackendError) -> [Task.Output] {
        let tally = ProgressTally(progress, total: inputs.count)
        defer { tally.close() }
        tally.started(inputs.count)
        do throws(ProcessPoolError) {
            let outputs = try await map(task, inputs)
            tally.finished(outputs.count)
            return outputs
        } catch {
            let failure = BackendError(converting: error)
            if let tasks = failure.tasks, failure.code != .cancelled { tally.failed(tasks.count) }
            throw failure
        }
    }
}

extension ParallelBackend where Self == ProcessPool {
    /// The worker processes of `pool`.
    public static func processes(_ pool: ProcessPool) -> ProcessPool { pool }
}

extension BackendError {
    /// The same failure, from the process pool's own error.
    init(converting error: ProcessPoolError) {
        switch error {
        case .workerCrashed(let pid, let exit, let tasks):
            self = .workerCrashed(pid: pid, exit: exit, tasks: tasks)
        case .taskTimedOut(let pid, let tasks, let timeout): self = .timedOut(pid: pid, tasks: tasks, timeout: timeout)
        case .taskFailed(let error, let task): self = .taskFailed(error, task: task)
        case .undecodable(let tasks, let detail): self = .undecodable(tasks: tasks, detail: detail)
        case .initializerFailed(let error): self = .initializerFailed(error)
        case .handshakeRefused(let reason): self = .handshakeRefused(reason)
        case .spawnFailed(let executable, let code): self = .spawnFailed(executable: executable, errno: code)
        case .closed: self = .closed
        case .cancelled: self = .cancelled
        }
    }
}
