#if MPI
@_spi(Backend) import ParallelKit
import Synchronization

extension MPIPool {
    /// Batches a stream keeps given to the job per worker rank: enough that the dispatcher has
    /// the next batch at hand whenever a rank returns one.
    static let batchesQueuedPerRank = 8

    /// Runs `task` on every input on the worker ranks and returns the outputs in input order
    /// (mpi4py.futures' `executor.map`; Python's `Pool.map`).
    ///
    /// Inputs travel in batches: `.fixed(n)` sends `n` per message (Python's `chunksize`);
    /// `.adaptive`, the default, sizes them as ``ProcessPool/map(_:_:chunking:sharing:progress:)``
    /// does, towards 50 ms a batch from the times measured.
    ///
    /// ```swift
    /// let squares = try await pool.map(Square.self, Array(0..<100_000))
    /// let same = try await pool.map(Square.self, Array(0..<100_000), chunking: .fixed(1_000))
    /// ```
    ///
    /// - Throws: the first failure (by completion); batches already out finish first and the rest
    ///   are not sent. Cancelling the calling task stops sending and throws ``BackendError/cancelled``.
    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: some Collection<Task.Input>, chunking: Chunking = .adaptive,
        progress: (any ProgressSink)? = nil
    ) async throws(BackendError) -> [Task.Output] {
        let inputs = Array(inputs)
        let tally = progress.map { ProgressTally($0, total: inputs.count) }
        defer { tally?.close() }
        guard !isClosed else { throw .closed }
        if inputs.isEmpty { return [] }
        if _Concurrency.Task.isCancelled { throw .cancelled }
        beginWork()
        defer { endWork() }
        // The whole call runs on the MPI thread; this task waits once, for its end.
        let call = MPIMapCall<Task>(inputs: inputs, chunking: chunking, workers: workerCount, tally: tally)
        let pieces: [[Task.Output]]
        switch await world.run(call) {
        case .success(let done): pieces = done
        case .failure(let error): throw error
        }
        if pieces.count == 1 { return pieces[0] }
        var outputs: [Task.Output] = []
        outputs.reserveCapacity(inputs.count)
        for piece in pieces { outputs.append(contentsOf: piece) }
        return outputs
    }

    /// Gives every input to the job at once and returns a future of all outputs, in order
    /// (Python's `map_async`).
    ///
    /// ```swift
    /// let pending = try pool.submitMap(Square.self, Array(0..<1_000))
    /// let squares = try await pending.value
    /// ```
    ///
    /// - Throws: ``BackendError/closed`` when the pool was closed before the call.
    public func submitMap<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], chunking: Chunking = .adaptive
    ) throws(BackendError) -> Future<[Task.Output], BackendError> {
        guard !isClosed else { throw .closed }
        let future = Future<[Task.Output], BackendError>.pending()
        if inputs.isEmpty {
            future.complete(.success([]))
            return future
        }
        let size = BatchSizer.queuedAtOnce(count: inputs.count, workers: workerCount, chunking: chunking)
        let starts = Array(stride(from: 0, to: inputs.count, by: size))
        let gather = Mutex<(pieces: [[Task.Output]?], left: Int)>((Array(repeating: nil, count: starts.count), starts.count))
        for (batch, start) in starts.enumerated() {
            send(task, inputs[start..<min(start + size, inputs.count)], start: start) { done in
                do throws(BackendError) {
                    let outputs = try done.outputs(task)
                    let complete = gather.withLock { gather -> [Task.Output]? in
                        gather.pieces[batch] = outputs
                        gather.left -= 1
                        return gather.left == 0 ? gather.pieces.flatMap { $0 ?? [] } : nil
                    }
                    if let complete { future.complete(.success(complete)) }
                } catch {
                    future.complete(.failure(.failed(error)))
                }
            }
        }
        return future
    }
}

/// An ``MPIPool`` is a backend: `Parallel(backend: .named("mpi"))` (``MPIBackend/register()``)
/// or `rows.parallelMap(Task.self, on: pool)`.
extension MPIPool: ParallelBackend {
    /// A rank that crashes ends the job (Open MPI 4.1), so crashes are not isolated; cancelling
    /// the caller stops a map from sending more.
    public var capabilities: BackendCapabilities { [.supportsCancellation] }

    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], progress: (any ProgressSink)?
    ) async throws(BackendError) -> [Task.Output] {
        try await map(task, inputs, chunking: .adaptive, progress: progress)
    }
}
#endif
