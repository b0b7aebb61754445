#if MPI
@_spi(Backend) import ParallelKit

extension MPIPool {
    /// Runs `task` on every input on the worker ranks and streams the outputs in input order
    /// (Python's `Pool.imap`).
    ///
    /// Inputs are read lazily and sent in batches cut by `chunking`, with at most `maxBuffered`
    /// inputs sent and not yet consumed, so an endless input runs in constant memory.
    ///
    /// ```swift
    /// for try await square in pool.stream(Square.self, 0..<1_000, chunking: .fixed(10)) { print(square) }
    /// ```
    ///
    /// - Parameter maxBuffered: the most inputs sent and not yet consumed; by default 16 batches
    ///   per worker rank.
    /// - Returns: the outputs in input order; it throws the first ``BackendError`` and ends.
    ///   Leaving the loop early sends nothing more (batches already out still run).
    public func stream<Task: WorkerTask, Input: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Input, chunking: Chunking = .adaptive, maxBuffered: Int? = nil
    ) -> MPIStream<Task, Input, Task.Output> {
        MPIStream(pool: self, inputs: inputs, chunking: chunking, maxBuffered: maxBuffered, ordered: true) { $1 }
    }

    /// Like ``stream(_:_:chunking:maxBuffered:)``, but streams each output as soon as its batch is
    /// done, with its index in the input (Python's `Pool.imap_unordered`, mpi4py.futures'
    /// `executor.map(..., unordered=True)`).
    public func streamUnordered<Task: WorkerTask, Input: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Input, chunking: Chunking = .adaptive, maxBuffered: Int? = nil
    ) -> MPIStream<Task, Input, (index: Int, value: Task.Output)> {
        MPIStream(pool: self, inputs: inputs, chunking: chunking, maxBuffered: maxBuffered, ordered: false) {
            ($0, $1)
        }
    }
}

/// The outputs of ``MPIPool/stream(_:_:chunking:maxBuffered:)`` and
/// ``MPIPool/streamUnordered(_:_:chunking:maxBuffered:)``.
public struct MPIStream<Task: WorkerTask, Input: Sequence<Task.Input>, Element>: AsyncSequence {
    public typealias Failure = BackendError

    let pool: MPIPool
    let inputs: Input
    let chunking: Chunking
    let maxBuffered: Int?
    let ordered: Bool
    let element: (Int, Task.Output) -> Element

    public func makeAsyncIterator() -> Iterator {
        let batches = MPIPool.batchesQueuedPerRank * pool.workerCount
        return Iterator(
            pool: pool, base: inputs.makeIterator(), sizer: BatchSizer(chunking: chunking, workers: pool.workerCount),
            fixed: chunking.isFixed,
            maxInputs: maxBuffered ?? .max, maxBatches: maxBuffered == nil ? batches : .max, ordered: ordered,
            element: element)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let pool: MPIPool
        var base: Input.Iterator
        var sizer: BatchSizer
        let fixed: Bool
        let maxInputs: Int
        let maxBatches: Int
        let ordered: Bool
        let element: (Int, Task.Output) -> Element
        let inbox = MPIInbox<MPIBatchDone>()
        var exhausted = false
        var next = 0
        var inFlightBatches = 0
        var inFlightInputs = 0
        /// Ordered: batches done ahead of their turn, by first index.
        var ahead: [Int: [Task.Output]] = [:]
        var current: [Task.Output] = []
        var currentStart = 0
        var position = 0
        var failure: BackendError?
        var ended = false

        public mutating func next() async throws(BackendError) -> Element? {
            try await next(isolation: #isolation)
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(BackendError) -> Element? {
            while true {
                if position < current.count {
                    defer { position += 1 }
                    return element(currentStart + position, current[position])
                }
                if ended { return nil }
                if let failure {
                    ended = true
                    throw failure
                }
                if _Concurrency.Task.isCancelled {
                    ended = true
                    throw .cancelled
                }
                fill()
                if ordered, let outputs = ahead.removeValue(forKey: currentStart + current.count) {
                    take(outputs, at: currentStart + current.count)
                    continue
                }
                guard inFlightBatches > 0 else {
                    ended = true
                    return nil
                }
                let done = await inbox.next()
                inFlightBatches -= 1
                do throws(BackendError) {
                    let outputs = try done.outputs(Task.self)
                    sizer.record(seconds: done.seconds, count: done.range.count)
                    if ordered {
                        ahead[done.range.lowerBound] = outputs
                    } else {
                        take(outputs, at: done.range.lowerBound)
                    }
                } catch {
                    failure = error
                }
            }
        }

        private mutating func take(_ outputs: [Task.Output], at start: Int) {
            inFlightInputs -= outputs.count
            current = outputs
            currentStart = start
            position = 0
        }

        /// Sends batches while the window has room.
        private mutating func fill() {
            while !exhausted, inFlightBatches < maxBatches, inFlightInputs < maxInputs {
                let room = maxInputs == .max ? Int.max : maxInputs - inFlightInputs
                let size = fixed ? sizer.nextSize(remaining: .max) : Swift.min(sizer.nextSize(remaining: .max), room)
                var batch: [Task.Input] = []
                batch.reserveCapacity(Swift.min(size, 4096))
                while batch.count < size, let input = base.next() { batch.append(input) }
                if batch.count < size { exhausted = true }
                guard !batch.isEmpty else { return }
                let inbox = self.inbox
                pool.send(Task.self, batch[...], start: next) { inbox.push($0) }
                next += batch.count
                inFlightBatches += 1
                inFlightInputs += batch.count
            }
        }
    }
}
#endif
