extension ProcessPool {
    /// Runs `task` on every input in the workers and streams the outputs in input order
    /// (Python's `Pool.imap`).
    ///
    /// Inputs are read lazily and sent `chunkSize` at a time, with at most `maxInFlight` chunks
    /// sent and not yet consumed: an endless input runs in constant memory, and leaving the loop
    /// early drops every chunk not yet started.
    ///
    /// ```swift
    /// for try await checksum in pool.imap(Checksum.self, paths, chunkSize: 16) { print(checksum) }
    /// ```
    ///
    /// - Parameters:
    ///   - chunkSize: inputs per message to a worker; raise it for cheap tasks.
    ///   - maxInFlight: chunks sent and not yet consumed; default 2 × workers.
    /// - Returns: the outputs in input order; it throws the first ``ProcessPoolError`` and ends.
    public func imap<Task: WorkerTask, Input: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Input, chunkSize: Int = 1, maxInFlight: Int? = nil
    ) -> some AsyncSequence<Task.Output, ProcessPoolError> {
        ProcessResults<Task, Input>(pool: self, inputs: inputs, chunkSize: chunkSize, maxInFlight: maxInFlight)
    }

    /// Like ``imap(_:_:chunkSize:maxInFlight:)``, but streams each output as soon as its chunk is
    /// done, with its index in the input (Python's `Pool.imap_unordered`).
    public func imapUnordered<Task: WorkerTask, Input: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Input, chunkSize: Int = 1, maxInFlight: Int? = nil
    ) -> some AsyncSequence<(index: Int, value: Task.Output), ProcessPoolError> {
        UnorderedProcessResults<Task, Input>(
            pool: self, inputs: inputs, chunkSize: chunkSize, maxInFlight: maxInFlight)
    }

    /// A window of chunk futures over `inputs`.
    fileprivate func chunkWindow<Task: WorkerTask, Input: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Input, chunkSize: Int, maxInFlight: Int?, inCompletionOrder: Bool
    ) -> ResultWindow<ChunkedInput<Input.Iterator>, [Task.Output], ProcessPoolError> {
        precondition(chunkSize >= 1, "ProcessPool.imap(chunkSize: \(chunkSize)): must be 1 or more")
        var nextIndex = 0
        return ResultWindow(
            limit: maxInFlight ?? 2 * workerCount,
            input: ChunkedInput(base: inputs.makeIterator(), size: chunkSize),
            inCompletionOrder: inCompletionOrder
        ) { [self] chunk in
            let first = nextIndex
            nextIndex += chunk.count
            let outputs = Future<[Task.Output], ProcessPoolError>()
            submitBatch(task, chunk[...], firstIndex: first).onCompletion { outcome in
                switch outcome {
                case .success(let batch): outputs.finish(.success(batch.outputs))
                case .failure(let error): outputs.finish(.failure(error))
                }
            }
            return outputs
        }
    }
}

/// A sequence's elements in arrays of `size` (the last may be shorter).
struct ChunkedInput<Base: IteratorProtocol>: InputSource where Base.Element: Sendable {
    var base: Base
    let size: Int

    mutating func next(isolation: isolated (any Actor)?) async -> [Base.Element]? {
        var chunk: [Base.Element] = []
        chunk.reserveCapacity(size)
        while chunk.count < size, let element = base.next() { chunk.append(element) }
        return chunk.isEmpty ? nil : chunk
    }
}

/// ``ProcessPool/imap(_:_:chunkSize:maxInFlight:)``'s results.
struct ProcessResults<Task: WorkerTask, Input: Sequence<Task.Input>>: AsyncSequence {
    typealias Element = Task.Output
    let pool: ProcessPool
    let inputs: Input
    let chunkSize: Int
    let maxInFlight: Int?

    struct AsyncIterator: AsyncIteratorProtocol {
        let window: ResultWindow<ChunkedInput<Input.Iterator>, [Task.Output], ProcessPoolError>
        var pending: IndexingIterator<[Task.Output]>?

        mutating func next() async throws(ProcessPoolError) -> Task.Output? {
            try await next(isolation: #isolation)
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws(ProcessPoolError) -> Task.Output? {
            while true {
                if let value = pending?.next() { return value }
                do throws(FutureError<ProcessPoolError>) {
                    guard let chunk = try await window.nextInOrder(isolation: actor) else { return nil }
                    pending = chunk.makeIterator()
                } catch {
                    throw error.processPoolError
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            window: pool.chunkWindow(
                Task.self, inputs, chunkSize: chunkSize, maxInFlight: maxInFlight, inCompletionOrder: false))
    }
}

/// ``ProcessPool/imapUnordered(_:_:chunkSize:maxInFlight:)``'s results.
struct UnorderedProcessResults<Task: WorkerTask, Input: Sequence<Task.Input>>: AsyncSequence {
    typealias Element = (index: Int, value: Task.Output)
    let pool: ProcessPool
    let inputs: Input
    let chunkSize: Int
    let maxInFlight: Int?

    struct AsyncIterator: AsyncIteratorProtocol {
        let window: ResultWindow<ChunkedInput<Input.Iterator>, [Task.Output], ProcessPoolError>
        let chunkSize: Int
        var pending: [(index: Int, value: Task.Output)] = []

        mutating func next() async throws(ProcessPoolError) -> (index: Int, value: Task.Output)? {
            try await next(isolation: #isolation)
        }

        mutating func next(
            isolation actor: isolated (any Actor)?
        ) async throws(ProcessPoolError) -> (index: Int, value: Task.Output)? {
            while true {
                if !pending.isEmpty { return pending.removeFirst() }
                do throws(FutureError<ProcessPoolError>) {
                    guard let (chunkIndex, outputs) = try await window.nextCompleted(isolation: actor) else { return nil }
                    pending = outputs.enumerated().map { (chunkIndex * chunkSize + $0.offset, $0.element) }
                } catch {
                    throw error.processPoolError
                }
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            window: pool.chunkWindow(
                Task.self, inputs, chunkSize: chunkSize, maxInFlight: maxInFlight, inCompletionOrder: true),
            chunkSize: chunkSize)
    }
}
