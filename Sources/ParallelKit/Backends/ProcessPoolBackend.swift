/// A ``ProcessPool`` is a backend: calls run in its worker processes, in batches, isolated from
/// this program and from each other's crashes.
///
/// Progress is reported per batch, in items, as ``ProcessPool/map(_:_:chunking:sharing:progress:)``
/// counts it: started when a batch is sent, finished when it completes, and the inputs that
/// never ran as skipped when the call ends; a task that throws is one failed item, a worker that
/// dies fails the items of its batch.
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
        // `chunking:` named, so that this calls the pool's map, not this conformance again.
        try await map(task, inputs, chunking: .adaptive, progress: progress)
    }
}

extension ParallelBackend where Self == ProcessPool {
    /// The worker processes of `pool`.
    public static func processes(_ pool: ProcessPool) -> ProcessPool { pool }
}
