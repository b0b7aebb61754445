extension Parallel {
    /// Runs `body` on every input and streams the results in input order — joblib's
    /// `return_as="generator"` — on a backend that runs in this process.
    ///
    /// The input is read lazily, with at most `maxBuffered` items read and not yet taken by the
    /// loop (by default 2 per job), of which at most `jobs` run at once, so an endless input
    /// runs in constant memory.
    ///
    /// ```swift
    /// for try await line in Parallel(jobs: 8, backend: .threadPool).stream(urls, maxBuffered: 16, fetchTitle) {
    ///     print(line)
    /// }
    /// ```
    ///
    /// It throws what ``map(_:_:)->[Output]`` throws, when the loop reaches it.
    public func stream<Inputs: Sequence, Output: Sendable>(
        _ inputs: Inputs, maxBuffered: Int? = nil, _ body: @escaping @Sendable (Inputs.Element) throws -> Output
    ) -> ParallelStream<Output> where Inputs.Element: Sendable {
        closureStream(inputs, maxBuffered: maxBuffered, unordered: false, body).mapped(\.value)
    }

    /// Like ``stream(_:maxBuffered:_:)``, but each result comes as soon as it is ready, with the
    /// index of its input — joblib's `return_as="generator_unordered"`.
    public func streamUnordered<Inputs: Sequence, Output: Sendable>(
        _ inputs: Inputs, maxBuffered: Int? = nil, _ body: @escaping @Sendable (Inputs.Element) throws -> Output
    ) -> ParallelStream<(index: Int, value: Output)> where Inputs.Element: Sendable {
        closureStream(inputs, maxBuffered: maxBuffered, unordered: true, body)
    }

    /// Runs `task` on every input and streams the outputs in input order, on any backend.
    ///
    /// ```swift
    /// for try await count in Parallel(backend: .processes).stream($countInRange, rows) { print(count) }
    /// ```
    public func stream<Task: WorkerTask, Inputs: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Inputs, maxBuffered: Int? = nil
    ) -> ParallelStream<Task.Output> {
        taskStream(task, inputs, maxBuffered: maxBuffered, unordered: false).mapped(\.value)
    }

    /// Like ``stream(_:_:maxBuffered:)``, in completion order with each input's index.
    public func streamUnordered<Task: WorkerTask, Inputs: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Inputs, maxBuffered: Int? = nil
    ) -> ParallelStream<(index: Int, value: Task.Output)> {
        taskStream(task, inputs, maxBuffered: maxBuffered, unordered: true)
    }

    typealias Indexed<Output> = (index: Int, value: Output)

    private func closureStream<Inputs: Sequence, Output: Sendable>(
        _ inputs: Inputs, maxBuffered: Int?, unordered: Bool, _ body: @escaping @Sendable (Inputs.Element) throws -> Output
    ) -> ParallelStream<Indexed<Output>> where Inputs.Element: Sendable {
        counted(inputs) { () throws(BackendError) -> ParallelStream<Indexed<Output>>.Next in
            let plan = try plan(closure: true)
            if let next = inProcess(plan, inputs, maxBuffered, unordered, { try body($0) }) { return next }
            guard case .named(let entry, let jobs) = plan else { throw Self.closureRejected(on: .processes) }
            var made: (any ClosureBackend)?  // one backend for the whole stream, made at its first window
            let rejected = Self.closureRejected(on: backend ?? .threads)
            return windows(inputs, size: maxBuffered ?? 2 * jobs.count) { (window) throws(BackendError) in
                if made == nil {
                    guard let backend = try await entry.make(jobs) as? any ClosureBackend else { throw rejected }
                    made = backend
                }
                guard let backend = made else { throw rejected }
                return try await backend.map(window, progress: nil, body)
            }
        }
    }

    private func taskStream<Task: WorkerTask, Inputs: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Inputs, maxBuffered: Int?, unordered: Bool
    ) -> ParallelStream<Indexed<Task.Output>> {
        counted(inputs) { () throws(BackendError) -> ParallelStream<Indexed<Task.Output>>.Next in
            let plan = try plan()
            if let next = inProcess(plan, inputs, maxBuffered, unordered, { try await Task.run($0) }) { return next }
            switch plan {
            case .processes(let worker, let jobs, let timeout):
                let chunking = timeout == nil ? chunking : .fixed(1)
                return PoolForStream.next(
                    start: { () async throws(BackendError) in try await Self.startPool(worker, jobs, timeout: timeout) },
                    stream: { Self.poolStream(task, inputs, on: $0, chunking, maxBuffered, unordered) })
            case .pool(let pool):
                return PoolForStream.next(
                    start: { () async throws(BackendError) in pool }, owned: false,
                    stream: { Self.poolStream(task, inputs, on: $0, chunking, maxBuffered, unordered) })
            case .named(let entry, let jobs):
                var made: (any ParallelBackend)?  // one backend for the whole stream, made at its first window
                return windows(inputs, size: maxBuffered ?? 2 * jobs.count) { (window) throws(BackendError) in
                    let backend: any ParallelBackend
                    if let made {
                        backend = made
                    } else {
                        backend = try await entry.make(jobs)
                        made = backend
                    }
                    return try await backend.map(task, window, progress: nil)
                }
            default: preconditionFailure("in-process plans are handled above")
            }
        }
    }

    /// The stream made by `makeNext` when iteration starts, counted for the call's progress; an
    /// option error ends it at its first element, before anything ran or was counted. The total
    /// is known for inputs with random access (counting a lazy collection would run its closures).
    private func counted<Inputs: Sequence, Element>(
        _ inputs: Inputs, _ makeNext: @escaping () throws(BackendError) -> ParallelStream<Element>.Next
    ) -> ParallelStream<Element> {
        let total = (inputs as? any RandomAccessCollection)?.count
        let reporting = progress
        return ParallelStream {
            do throws(BackendError) {
                let next = try makeNext()
                return StreamProgress(reporting, total: total).counting(next)
            } catch {
                return { () throws(BackendError) in throw error }
            }
        }
    }

    /// A pool's stream of `task`, with input indices in both orders.
    private static func poolStream<Task: WorkerTask, Inputs: Sequence<Task.Input>>(
        _ task: Task.Type, _ inputs: Inputs, on pool: ProcessPool, _ chunking: Chunking, _ maxBuffered: Int?,
        _ unordered: Bool
    ) -> ParallelStream<Indexed<Task.Output>>.Next {
        if unordered {
            var iterator = pool.streamUnordered(task, inputs, chunking: chunking, maxBuffered: maxBuffered)
                .makeAsyncIterator()
            return { () async throws(BackendError) in try await iterator.next(isolation: nil) }
        }
        var iterator = pool.stream(task, inputs, chunking: chunking, maxBuffered: maxBuffered).makeAsyncIterator()
        var index = 0
        return { () async throws(BackendError) in
            guard let value = try await iterator.next(isolation: nil) else { return nil }
            defer { index += 1 }
            return (index, value)
        }
    }
}
