/// Somewhere to run many calls of one task: the serial loop, threads, a ``ThreadPool`` or a
/// ``ProcessPool`` — and any backend another module adds, such as MPI.
///
/// A backend's one required operation is ``map(_:_:progress:)``: run a registered
/// ``WorkerTask`` on every input and return the outputs in input order. Every backend means the
/// same by it: the first error ends the call as a ``BackendError``, items not yet started are
/// skipped, items running finish before it returns, and nothing runs after it returns. It
/// reports to a ``ProgressSink`` so that finished + failed + skipped = the number of inputs.
/// What else a backend can do is in its ``capabilities``.
///
/// ```swift
/// func checksums(_ files: [String], on backend: some ParallelBackend) async throws(BackendError) -> [UInt32] {
///     try await backend.map(Checksum.self, files, progress: nil)
/// }
/// let here = try await checksums(files, on: .serial)
/// let isolated = try await checksums(files, on: pool)       // a ProcessPool
/// ```
///
/// Implementing a backend in another module: conform to this protocol; to run tasks in other
/// processes, encode batches with the wire codec and serve them with the task registry — the
/// `@_spi(Backend)` surface of this module (see `ARCHITECTURE.md`, "Backends").
public protocol ParallelBackend: Sendable {
    /// What this backend can do.
    var capabilities: BackendCapabilities { get }

    /// The most calls it runs at once.
    var workerCount: Int { get }

    /// Runs `task` on every input and returns the outputs in input order.
    ///
    /// - Throws: ``BackendError``: the first failure; ``BackendError/Code/cancelled`` when the
    ///   calling task is cancelled (on backends that support cancellation).
    func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], progress: (any ProgressSink)?
    ) async throws(BackendError) -> [Task.Output]
}

/// A backend that also runs closures: the serial loop, threads and ``ThreadPool``, which share
/// this process's memory.
public protocol ClosureBackend: ParallelBackend {
    /// Runs `body` on every input and returns the results in input order; a thrown error
    /// arrives as ``BackendError/Code/taskFailed`` with its index.
    func map<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], progress: (any ProgressSink)?, _ body: @escaping @Sendable (Input) throws -> Output
    ) async throws(BackendError) -> [Output]
}

extension Collection where Element: Sendable {
    /// Runs `task` on every element and returns the outputs in order, on the chosen backend.
    ///
    /// ```swift
    /// let inProcess = try await rows.parallelMap(CountInRange.self)                        // threads
    /// let isolated = try await rows.parallelMap(CountInRange.self, on: .processes(pool))   // processes
    /// ```
    ///
    /// On every backend an error thrown by the task arrives as ``BackendError/Code/taskFailed``
    /// with its index, exactly as it would from a worker process, so callers handle all alike.
    public func parallelMap<Task: WorkerTask>(
        _ task: Task.Type, on backend: some ParallelBackend = .threads, progress: (any ProgressSink)? = nil
    ) async throws(BackendError) -> [Task.Output] where Element == Task.Input {
        try await backend.map(task, Array(self), progress: progress)
    }
}
