extension ProcessPool {
    /// Runs `task` on every input in the workers and streams the outputs in input order
    /// (Python's `Pool.imap`).
    ///
    /// Inputs are read lazily and sent in batches cut by `chunking` (``BatchSizer`` says how),
    /// with at most `maxBuffered` inputs sent and not yet consumed: an endless input runs in
    /// constant memory, and leaving the loop early drops every batch not yet started.
    ///
    /// ```swift
    /// for try await checksum in pool.stream(Checksum.self, paths, chunking: .fixed(16)) { print(checksum) }
    /// ```
    ///
    /// - Parameters:
    ///   - task: the registered task to run.
    ///   - inputs: read lazily, as the buffer below allows.
    ///   - chunking: how many inputs travel in one message to a worker: `.fixed(n)` (Python's
    ///     `chunksize`), or `.adaptive` batches sized towards 50 ms from the times measured.
    ///   - maxBuffered: the most inputs sent and not yet consumed (whole `.fixed` batches: it is
    ///     rounded up to the next batch); by default 2 batches per worker.
    /// - Returns: the outputs in input order; it throws the first ``BackendError`` and ends.
    public func stream<Task: WorkerTask, Input: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Input, chunking: Chunking = .adaptive, maxBuffered: Int? = nil
    ) -> some AsyncSequence<Task.Output, BackendError> {
        ResultStream<_, BatchesInOrder<Task.Output>> { [self] ordering in
            batchWindow(task, inputs, chunking: chunking, maxBuffered: maxBuffered, inCompletionOrder: ordering)
        }
    }

    /// Like ``stream(_:_:chunking:maxBuffered:)``, but streams each output as soon as its batch
    /// is done, with its index in the input (Python's `Pool.imap_unordered`).
    public func streamUnordered<Task: WorkerTask, Input: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Input, chunking: Chunking = .adaptive, maxBuffered: Int? = nil
    ) -> some AsyncSequence<(index: Int, value: Task.Output), BackendError> {
        ResultStream<_, BatchesAsCompleted<Task.Output>> { [self] ordering in
            batchWindow(task, inputs, chunking: chunking, maxBuffered: maxBuffered, inCompletionOrder: ordering)
        }
    }

    /// A window of batch futures over `inputs`.
    fileprivate func batchWindow<Task: WorkerTask, Input: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Input, chunking: Chunking, maxBuffered: Int?, inCompletionOrder: Bool
    ) -> ResultWindow<BatchedInput<Input.Iterator>, [Task.Output], BackendError> {
        let sizer = SharedBatchSizer(chunking: chunking, workers: workerCount)
        return ResultWindow(
            limit: maxBuffered ?? .max,
            maxEntries: maxBuffered == nil ? BatchSizer.batchesInFlightPerWorker * workerCount : .max,
            input: BatchedInput(base: inputs.makeIterator(), sizer: sizer, fixed: chunking.mode == .fixed),
            inCompletionOrder: inCompletionOrder
        ) { [self] batch, firstIndex in
            let outputs = Future<[Task.Output], BackendError>()
            // A batch the window cancels (the loop ended) is not sent if it has not started.
            let cancellation = CancellationFlag()
            outputs.onCompletion { if case .failure(.cancelled) = $0 { cancellation.cancel() } }
            submitBatch(task, batch[...], firstIndex: firstIndex, cancellation: cancellation).onCompletion { outcome in
                switch outcome {
                case .success(let done):
                    sizer.record(seconds: done.seconds, count: done.outputs.count)
                    outputs.finish(.success(done.outputs))
                case .failure(let error): outputs.finish(.failure(error))
                }
            }
            return outputs
        }
    }
}

/// A sequence's elements in batches sized by a ``SharedBatchSizer``.
struct BatchedInput<Base: IteratorProtocol>: InputSource where Base.Element: Sendable {
    var base: Base
    let sizer: SharedBatchSizer
    /// Whether batches keep their size whatever room the window has left.
    let fixed: Bool

    mutating func next(upTo limit: Int, isolation: isolated (any Actor)?) async -> [Base.Element]? {
        let size = fixed ? sizer.nextSize : min(sizer.nextSize, limit)
        var batch: [Base.Element] = []
        batch.reserveCapacity(size)
        while batch.count < size, let element = base.next() { batch.append(element) }
        return batch.isEmpty ? nil : batch
    }

    static func count(of element: [Base.Element]) -> Int { element.count }
}

/// A process pool's outputs in input order: ``ProcessPool/stream(_:_:chunking:maxBuffered:)``.
enum BatchesInOrder<Value: Sendable>: StreamShape {
    typealias Element = Value
    static var inCompletionOrder: Bool { false }
    static func unpack(_ output: [Value], firstIndex: Int) -> Unpacked<Value> { .many(output) }
    static func failure(_ error: FutureError<BackendError>) -> BackendError { error.processPoolError }
}

/// A process pool's outputs as their batches finish, with their input indices:
/// ``ProcessPool/streamUnordered(_:_:chunking:maxBuffered:)``.
enum BatchesAsCompleted<Value: Sendable>: StreamShape {
    typealias Element = (index: Int, value: Value)
    static var inCompletionOrder: Bool { true }
    static func unpack(_ output: [Value], firstIndex: Int) -> Unpacked<Element> {
        .many(output.enumerated().map { (firstIndex + $0.offset, $0.element) })
    }
    static func failure(_ error: FutureError<BackendError>) -> BackendError { error.processPoolError }
}
