import Synchronization

/// This process's threads: registered tasks as child tasks on Swift's cooperative pool, at most
/// `workers` at once (their `run` may await), and closures on the collection engine's parked
/// threads (``Swift/Collection/parallelMap(workers:chunking:progress:_:)``).
///
/// ```swift
/// let counts = try await rows.parallelMap(CountInRange.self, on: .threads)
/// let halves = try await ThreadsBackend(workers: .allBut(1)).map(rows, progress: nil) { $0.count / 2 }
/// ```
public struct ThreadsBackend: ClosureBackend {
    /// The most calls at once.
    public var workers: Workers
    /// How closures' inputs are cut into chunks (``Chunking``).
    public var chunking: Chunking

    public init(workers: Workers = .all, chunking: Chunking = .adaptive) {
        self.workers = workers
        self.chunking = chunking
    }

    public var capabilities: BackendCapabilities { [.runsClosures, .sharesMemory, .supportsCancellation] }

    public var workerCount: Int { workers.count }

    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], progress: (any ProgressSink)?
    ) async throws(BackendError) -> [Task.Output] {
        try await mapInTaskGroup(inputs, limit: workers.count, executor: nil, progress: progress) { input in
            try await Task.run(input)
        }
    }

    /// Inlined into the caller, so that `body` is specialized into the chunk loop as it is in
    /// ``Swift/Collection/parallelMap(workers:chunking:progress:_:)``; progress is counted per
    /// chunk, never per element.
    @inlinable
    public func map<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], progress: (any ProgressSink)?, _ body: @escaping @Sendable (Input) throws -> Output
    ) async throws(BackendError) -> [Output] {
        let cancelled = CancelledFlag()
        let (workers, chunking) = (self.workers, self.chunking)
        let sink = progress.map { SkippedOnceCancelled(sink: $0, cancelled: cancelled) }
        let outcome = await withTaskCancellationHandler {
            Result { () throws(IndexedFailure) in
                try inputs.indices.parallelMap(workers: workers, chunking: chunking, progress: sink) {
                    (index) throws(IndexedFailure) in
                    if cancelled.value.load(ordering: .relaxed) { throw IndexedFailure(index: index, error: nil) }
                    do {
                        return try body(inputs[index])
                    } catch {
                        throw IndexedFailure(index: index, error: error)
                    }
                }
            }
        } onCancel: {
            cancelled.value.store(true, ordering: .relaxed)
        }
        switch outcome {
        case .success(let outputs): return outputs
        case .failure(let failure): throw failure.backendError
        }
    }
}

/// Set when the calling task is cancelled; read by every element (one relaxed load).
@usableFromInline
final class CancelledFlag: Sendable {
    @usableFromInline let value = Atomic(false)

    @inlinable init() {}
}

/// Reports the elements that stopped because the call was cancelled as skipped, not failed: the
/// chunk walk counts the element that noticed the cancellation as one that threw.
@usableFromInline
struct SkippedOnceCancelled: ProgressSink {
    @usableFromInline let sink: any ProgressSink
    @usableFromInline let cancelled: CancelledFlag

    @inlinable init(sink: any ProgressSink, cancelled: CancelledFlag) {
        self.sink = sink
        self.cancelled = cancelled
    }

    @usableFromInline func report(_ event: ProgressEvent) {
        if case .failed(let count) = event, cancelled.value.load(ordering: .relaxed) {
            sink.report(.skipped(count))
        } else {
            sink.report(event)
        }
    }
}

/// Which element's closure threw, and what (`nil`: it did not run, the call was cancelled).
@usableFromInline
struct IndexedFailure: Error {
    @usableFromInline var index: Int
    @usableFromInline var error: (any Error)?

    @inlinable init(index: Int, error: (any Error)?) {
        self.index = index
        self.error = error
    }

    /// What the call throws: the closure's error as a failed task, or `.cancelled`.
    @usableFromInline var backendError: BackendError {
        guard let error else { return .cancelled }
        return .taskFailed(RemoteTaskError(error), task: index)
    }
}

extension ParallelBackend where Self == ThreadsBackend {
    /// Threads, one call per usable core at once.
    public static var threads: ThreadsBackend { ThreadsBackend() }

    /// Threads, at most `workers` calls at once.
    public static func threads(_ workers: Workers) -> ThreadsBackend { ThreadsBackend(workers: workers) }
}
