/// A ``ThreadPool`` is a backend: each call runs as a child task on the pool's threads (the
/// pool is its executor), at most one per thread at once — for work that blocks.
///
/// ```swift
/// let io = ThreadPool(workers: 8)
/// let sizes = try await paths.parallelMap(FileSize.self, on: io)
/// ```
extension ThreadPool: ClosureBackend {
    public var capabilities: BackendCapabilities { [.runsClosures, .sharesMemory, .supportsCancellation] }

    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], progress: (any ProgressSink)?
    ) async throws(BackendError) -> [Task.Output] {
        try await mapInTaskGroup(inputs, limit: workerCount, executor: self, progress: progress) { input in
            try await Task.run(input)
        }
    }

    public func map<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], progress: (any ProgressSink)?, _ body: @escaping @Sendable (Input) throws -> Output
    ) async throws(BackendError) -> [Output] {
        try await mapInTaskGroup(inputs, limit: workerCount, executor: self, progress: progress) { input in
            try body(input)
        }
    }
}
