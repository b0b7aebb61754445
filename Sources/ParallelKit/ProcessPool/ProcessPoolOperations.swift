import Synchronization

extension ProcessPool {
    /// Runs `task` once with `input` in a worker and returns its output (Python's `Pool.apply`).
    ///
    /// When a worker is idle and the encoded input is at most 64 KiB, the calling thread sends
    /// the task itself and polls up to 200 µs for the answer (a no-op round trip takes ~11–15 µs
    /// on 2 cores); a longer task is then awaited without blocking the caller's thread.
    /// Otherwise the task is queued for the pool's dispatcher threads.
    ///
    /// ```swift
    /// let count = try await pool.apply(CountInRange.self, .init(row: [1, 5, 9]))
    /// ```
    ///
    /// - Throws: ``BackendError``: the task threw (``BackendError/taskFailed(_:task:)``,
    ///   with the remote error's type and description), its worker died or timed out, the pool is
    ///   closed, or the calling task was cancelled.
    public func apply<Task: WorkerTask>(_ task: Task.Type, _ input: Task.Input) async throws(BackendError) -> Task.Output {
        let job = Self.encodedBatches(task, [input], batchSize: 1)?[0]
        if let job, let outputs = try await runFromCallingThread(task, [job], tally: nil) { return outputs[0] }
        let cancellation = CancellationFlag()
        // Queued already encoded; an input that could not be encoded gets its error from submitBatch.
        let batch = job.map { submitEncoded($0, of: task, cancellation: cancellation) }
            ?? submitBatch(task, [input][...], firstIndex: 0, cancellation: cancellation)
        do {
            return try await withTaskCancellationHandler {
                // A round trip to a worker takes ~30 µs here; polling that long beats a suspension.
                try await batch.value(spinningMicroseconds: 200).outputs[0]
            } onCancel: {
                cancellation.cancel()
            }
        } catch let error as FutureError<BackendError> {
            throw error.processPoolError
        } catch {
            throw .cancelled
        }
    }

    /// The largest encoded batch the calling thread sends itself (``apply(_:_:)``, and a
    /// ``map(_:_:chunking:sharing:progress:)`` that fits the workers at once): it fits a socket buffer, so
    /// sending never waits for the worker.
    static let callingThreadPayloadLimit = 64 * 1024

    /// `inputs` encoded `batchSize` per batch, or `nil` when one cannot be encoded (the queued
    /// path then reports it).
    private static func encodedBatches<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], batchSize: Int, transport: MapTransport<Task> = .copying
    ) -> [BatchJob]? {
        var jobs: [BatchJob] = []
        for start in stride(from: 0, to: inputs.count, by: batchSize) {
            let range = start..<min(start + batchSize, inputs.count)
            guard let job = try? transport.job(inputs[range], range: range) else { return nil }
            jobs.append(job)
        }
        return jobs
    }

    /// Runs encoded batches without a dispatcher thread when there are at most as many as idle
    /// workers and each is small: the caller sends them and polls briefly for the answers;
    /// longer tasks are awaited on one thread of their own. Returns the outputs in input order,
    /// or `nil` when the batches must be queued instead.
    private func runFromCallingThread<Task: WorkerTask>(
        _ task: Task.Type, _ jobs: [BatchJob], tally: ProgressTally?, transport: MapTransport<Task> = .copying
    ) async throws(BackendError) -> [Task.Output]? {
        if _Concurrency.Task.isCancelled { throw .cancelled }  // as the queued path: nothing is dispatched
        guard jobs.allSatisfy({ $0.payload.count <= Self.callingThreadPayloadLimit }) else { return nil }
        var answers: [[UInt8]]
        let sent = jobs.last?.range.upperBound ?? 0
        var started = false
        do throws(BackendError) {
            switch try supervisor.runOnCallingThread(jobs) {
            case nil:
                return nil
            case .finished(let finished):
                answers = finished
            case .handedOver(let future):
                tally?.started(sent)
                started = true
                do {
                    answers = try await future.value
                } catch {
                    throw error.processPoolError
                }
            }
        } catch {
            if !started { tally?.started(sent) }
            let failedJob = jobs.first { $0.range.contains(error.taskIndex ?? -1) }
            tally?.batchFailed(error, batchStart: failedJob?.range.lowerBound ?? 0)
            throw error
        }
        if !started { tally?.started(sent) }
        var outputs: [Task.Output] = []
        outputs.reserveCapacity(jobs.last?.range.upperBound ?? 0)
        for (index, job) in jobs.enumerated() {
            // Taken out of `answers`, so that the decoder holds the only reference to it.
            let answer = answers[index]
            answers[index] = []
            do throws(BackendError) {
                outputs.append(contentsOf: try transport.outputs(from: consume answer, range: job.range))
            } catch {
                tally?.batchFailed(error, batchStart: job.range.lowerBound)
                throw error
            }
            tally?.finished(job.range.count)
        }
        return transport.sharesOutputs ? transport.sharedOutputs(count: jobs.last?.range.upperBound ?? 0) : outputs
    }

    /// Starts `task` with `input` and returns at once with a future (Python's `apply_async`).
    ///
    /// ```swift
    /// let handle = try pool.submit(Resize.self, job, onSuccess: { print("done", $0) }, onFailure: { print($0) })
    /// …
    /// let image = try await handle.value
    /// ```
    ///
    /// - Parameters:
    ///   - task: the registered task to run.
    ///   - input: its input.
    ///   - onSuccess: called with the output when the task succeeds (on a pool thread), before
    ///     the future completes — as Python's `apply_async(callback=)` — so that once
    ///     `handle.value` returns, the callback has run; keep it short, it delays the result.
    ///   - onFailure: called with the error when it fails (on a pool thread), before the future
    ///     completes.
    /// - Returns: a future of the output; its errors are `FutureError.failed(BackendError)`.
    /// - Throws: ``BackendError/closed`` when the pool was closed or terminated before the call,
    ///   as ``ThreadPool/submit(_:)`` does (Python raises `ValueError: Pool not running`); a
    ///   close racing the call fails the future with it instead.
    @discardableResult
    public func submit<Task: WorkerTask>(
        _ task: Task.Type, _ input: Task.Input,
        onSuccess: (@Sendable (Task.Output) -> Void)? = nil,
        onFailure: (@Sendable (BackendError) -> Void)? = nil
    ) throws(BackendError) -> Future<Task.Output, BackendError> {
        guard !dispatchers.core.isShutDown else { throw .closed }
        let result = Future<Task.Output, BackendError>()
        submitBatch(task, [input][...], firstIndex: 0).onCompletion { outcome in
            switch outcome {
            // The callback first, then the future, as Python's `AsyncResult` does: whoever awaits
            // the value finds what the callback did already done.
            case .success(let batch):
                onSuccess?(batch.outputs[0])
                result.finish(.success(batch.outputs[0]))
            case .failure(let error):
                onFailure?(error.processPoolError)
                result.finish(.failure(error))
            }
        }
        return result
    }

    /// Runs `task` on every input in the workers and returns the outputs in input order
    /// (Python's `Pool.map`; `starmap` is the same call with a struct input).
    ///
    /// Inputs travel in batches. With `.fixed(n)` (Python's `chunksize`) each batch has `n`; with
    /// `.adaptive`, the default, the pool sizes batches itself (like joblib's auto-batching): the
    /// first batch is one input (`minimum`), and each later one is sized so that it takes about
    /// ``BatchSizer/targetBatchSeconds`` on its worker, growing at most 16× per step, never above
    /// what keeps every worker busy to the end, and within `.adaptive(minimum:maximum:)`'s bounds.
    ///
    /// A map with no more batches than the pool has workers (as many inputs, or fewer, with
    /// `.adaptive`) is sent from the calling thread when enough workers are idle, as
    /// ``apply(_:_:)`` is: every batch starts at once, with no dispatcher thread in between.
    ///
    /// ```swift
    /// let squares = try await pool.map(Square.self, Array(0..<10_000_000))
    /// ```
    ///
    /// With a `progress` sink, items are counted per batch as batches go: `.started(n)` when a
    /// batch of `n` inputs is sent, `.finished(n)` when it completes, and the inputs that never
    /// ran as `.skipped` when the call ends (finished + failed + skipped is the input count, on
    /// success, failure and cancellation alike). A task that throws counts as failed and the
    /// items its batch ran before it as finished; a worker that dies or times out fails every
    /// item of its batch.
    ///
    /// ```swift
    /// let bar = ProgressBar(style: [.bar, .eta], total: 1_000)
    /// let squares = try await pool.map(Square.self, Array(0..<1_000), progress: bar)
    /// ```
    ///
    /// Large inputs and outputs of plain data cross without a copy through the pipes (``Sharing``):
    /// with `sharing: .automatic`, the default, inputs of at least 1 MiB are put once into one
    /// shared segment that the workers map read-only, and outputs of at least 1 MiB are written
    /// by the workers into one shared segment, which the result is copied out of in one pass.
    ///
    /// ```swift
    /// let copied = try await pool.map(Square.self, Array(0..<10_000_000), sharing: .never)
    /// ```
    ///
    /// - Throws: the first failure (by completion); running batches finish first and batches not
    ///   started are dropped. Cancelling the calling task drops the batches not started and throws
    ///   ``BackendError/cancelled``.
    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: some Collection<Task.Input>, chunking: Chunking = .adaptive,
        sharing: Sharing = .automatic, progress: (any ProgressSink)? = nil
    ) async throws(BackendError) -> [Task.Output] {
        let inputs = Array(inputs)
        // No sink, no tally: the plain call pays for nothing.
        let tally = progress.map { ProgressTally($0, total: inputs.count) }
        defer { tally?.close() }
        if _Concurrency.Task.isCancelled { throw .cancelled }  // before a segment is written
        let transport = MapTransport<Task>(inputs, sharing: sharing, kept: keptSegments)
        var succeeded = false
        defer { if succeeded { transport.finish(keepingIn: keptSegments) } else { transport.release() } }
        let batchSize = chunking.minimum
        // Batches that fit the workers at once are encoded here; if they cannot be sent from
        // the calling thread, they are queued as they are, not encoded again.
        var encoded: [BatchJob] = []
        if !inputs.isEmpty, (inputs.count + batchSize - 1) / batchSize <= workerCount,
            let jobs = Self.encodedBatches(task, inputs, batchSize: batchSize, transport: transport)
        {
            if let outputs = try await runFromCallingThread(task, jobs, tally: tally, transport: transport) {
                succeeded = true
                return outputs
            }
            encoded = jobs
        }
        let cancellation = CancellationFlag()
        do {
            let outputs = try await withTaskCancellationHandler {
                try await mapBatches(
                    task, inputs, chunking: chunking, encoded: encoded, tally: tally, transport: transport,
                    cancellation: cancellation)
            } onCancel: {
                cancellation.cancel()
            }
            succeeded = true
            return outputs
        } catch let error as BackendError {
            throw error
        } catch {
            throw .cancelled
        }
    }

    /// Queues every input at once and returns a future of all outputs, in order (Python's
    /// `map_async`).
    ///
    /// Every batch is queued before the call returns (a ``close()`` right after it still lets
    /// them all run), so none has been timed yet: `.adaptive` cuts the inputs as Python does,
    /// into about ``BatchSizer/queuedBatchesPerWorker`` batches per worker (within
    /// `.adaptive(minimum:maximum:)`'s bounds); `.fixed(n)` into batches of `n`.
    ///
    /// ```swift
    /// let pending = try pool.submitMap(Resize.self, images)
    /// doOtherWork()
    /// let thumbnails = try await pending.value
    /// ```
    ///
    /// - Returns: a future of the outputs; it fails with the first batch failure (by completion),
    ///   and the batches not started are dropped.
    /// - Throws: ``BackendError/closed`` when the pool was closed or terminated before the call,
    ///   as ``submit(_:_:onSuccess:onFailure:)`` does.
    public func submitMap<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], chunking: Chunking = .adaptive
    ) throws(BackendError) -> Future<[Task.Output], BackendError> {
        guard !dispatchers.core.isShutDown else { throw .closed }
        let result = Future<[Task.Output], BackendError>()
        if inputs.isEmpty {
            result.finish(.success([]))
            return result
        }
        let size = BatchSizer.queuedAtOnce(count: inputs.count, workers: workerCount, chunking: chunking)
        let starts = Array(stride(from: 0, to: inputs.count, by: size))
        let gather = BatchGather<Task.Output>(batches: starts.count, result: result)
        let cancellation = CancellationFlag()
        for (batch, start) in starts.enumerated() {
            let end = min(start + size, inputs.count)
            submitBatch(task, inputs[start..<end], firstIndex: start, cancellation: cancellation).onCompletion { outcome in
                switch outcome {
                case .success(let done): gather.add(batch, done.outputs)
                case .failure(let error):
                    cancellation.cancel()
                    gather.fail(error)
                }
            }
        }
        return result
    }

    private func mapBatches<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: [Task.Input], chunking: Chunking, encoded: [BatchJob], tally: ProgressTally?,
        transport: MapTransport<Task>, cancellation: CancellationFlag
    ) async throws(BackendError) -> [Task.Output] {
        typealias Completion = (start: Int, count: Int, outcome: Future<BatchOutcome<Task.Output>, BackendError>.Outcome)
        let inbox = CompletionInbox<Completion>()
        var sizer = BatchSizer(chunking: chunking, workers: workerCount)
        var pieces: [(start: Int, outputs: [Task.Output])] = []
        // `encoded` covers the first inputs, in order, at most one batch per worker.
        for job in encoded {
            tally?.started(job.range.count)
            submitEncoded(job, of: task, cancellation: cancellation, transport: transport).onCompletion {
                inbox.push((job.range.lowerBound, job.range.count, $0))
            }
        }
        var next = encoded.last?.range.upperBound ?? 0
        var inFlight = encoded.count
        var inputsInFlight = next
        var firstError: BackendError?
        while (next < inputs.count && firstError == nil) || inFlight > 0 {
            while firstError == nil, inFlight < BatchSizer.batchesInFlightPerWorker * workerCount, next < inputs.count {
                let size = sizer.nextSize(remaining: inputs.count - next, inFlight: inputsInFlight)
                let start = next
                tally?.started(size)
                submitBatch(
                    task, inputs[start..<(start + size)], firstIndex: start, cancellation: cancellation, transport: transport
                ).onCompletion { inbox.push((start, size, $0)) }
                next += size
                inFlight += 1
                inputsInFlight += size
            }
            let (start, count, outcome) = await inbox.next()
            inFlight -= 1
            switch outcome {
            case .success(let batch):
                inputsInFlight -= count  // after a failure, nothing more is sent
                sizer.record(seconds: batch.seconds, count: count)
                if !transport.sharesOutputs { pieces.append((start, batch.outputs)) }
                tally?.finished(count)
            case .failure(let error):
                tally?.batchFailed(error.processPoolError, batchStart: start)
                if firstError == nil {
                    firstError = error.processPoolError
                    cancellation.cancel()
                }
            }
        }
        if let firstError { throw firstError }
        if transport.sharesOutputs { return transport.sharedOutputs(count: inputs.count) }
        pieces.sort { $0.start < $1.start }
        var outputs: [Task.Output] = []
        outputs.reserveCapacity(inputs.count)
        for piece in pieces { outputs.append(contentsOf: piece.outputs) }
        return outputs
    }
}

/// Collects the batches of ``ProcessPool/submitMap(_:_:chunking:)`` and finishes its future once.
final class BatchGather<Output: Sendable>: Sendable {
    private let state: Mutex<(pieces: [[Output]?], left: Int)>
    private let result: Future<[Output], BackendError>

    init(batches: Int, result: Future<[Output], BackendError>) {
        state = Mutex((Array(repeating: nil, count: batches), batches))
        self.result = result
    }

    func add(_ batch: Int, _ outputs: [Output]) {
        let complete = state.withLock { state -> [Output]? in
            state.pieces[batch] = outputs
            state.left -= 1
            return state.left == 0 ? state.pieces.flatMap { $0 ?? [] } : nil
        }
        if let complete { result.finish(.success(complete)) }
    }

    func fail(_ error: FutureError<BackendError>) { result.finish(.failure(error)) }
}

extension FutureError where Failure == BackendError {
    /// The pool error this future error stands for.
    var processPoolError: BackendError {
        switch self {
        case .failed(let error): return error
        case .cancelled: return .cancelled
        case .poolClosed: return .closed
        case .timedOut: return .cancelled
        }
    }
}
