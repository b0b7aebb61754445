/// A ``ProcessPool`` is a backend: calls run in its worker processes, in batches, isolated from
/// this program and from each other's crashes.
///
/// Progress is reported per call, not per batch: every input counts as started when the call
/// begins, and as finished when it returns — or, on a failure, the inputs of the failing batch
/// as failed and the rest as skipped.
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
        do throws(BackendError) {
            let outputs = try await map(task, inputs)
            tally.finished(outputs.count)
            return outputs
        } catch {
            if let tasks = error.tasks, error.code != .cancelled { tally.failed(tasks.count) }
            throw error
        }
    }
}

extension ParallelBackend where Self == ProcessPool {
    /// The worker processes of `pool`.
    public static func processes(_ pool: ProcessPool) -> ProcessPool { pool }
}
