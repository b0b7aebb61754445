extension Parallel {
    /// Runs `body` on every input and returns the results in input order, on a backend that runs
    /// in this process — joblib's `Parallel(n_jobs)(delayed(f)(x) for x in xs)`.
    ///
    /// ```swift
    /// let squares = try await Parallel(jobs: 4).map(0..<10) { $0 * $0 }    // [0, 1, 4, … 81]
    /// ```
    ///
    /// - Throws: ``BackendError``: ``BackendError/Code/taskFailed`` with the index and error of
    ///   the first item that threw; ``BackendError/Code/unsupported`` on processes (a closure
    ///   cannot cross into another process: pass a ``WorkerTask`` or a `@WorkerFunction`'s
    ///   `$handle`); the option errors of ``Parallel``.
    ///
    /// On threads the call is inlined into the caller, so that `body` is specialized into the
    /// chunk loop as in ``Swift/Collection/parallelMap(workers:chunking:progress:_:)``.
    @inlinable
    public func map<Input: Sendable, Output: Sendable>(
        _ inputs: some Collection<Input>, _ body: @escaping @Sendable (Input) throws -> Output
    ) async throws(BackendError) -> [Output] {
        let inputs = Array(inputs)
        if let (jobs, sink) = try threadsCall() {
            return try await ThreadsBackend(workers: jobs, chunking: chunking).map(inputs, progress: sink, body)
        }
        return try await mapOutOfLine(inputs, body)
    }

    /// The jobs and sink of a call that runs on threads with no bar to draw, else `nil`.
    @usableFromInline
    func threadsCall() throws(BackendError) -> (Workers, (any ProgressSink)?)? {
        guard case .threads(let jobs) = try plan(closure: true) else { return nil }
        switch progress {
        case nil: return (jobs, nil)
        case .sink(let sink): return (jobs, sink)
        case .bar: return nil
        }
    }

    /// ``map(_:_:)`` on every backend but a bare threads call.
    @usableFromInline
    func mapOutOfLine<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], _ body: @escaping @Sendable (Input) throws -> Output
    ) async throws(BackendError) -> [Output] {
        let plan = try plan(closure: true)
        return try await reporting(total: inputs.count) { sink throws(BackendError) in
            switch plan {
            case .serial: return try await SerialBackend().map(inputs, progress: sink, body)
            case .threads(let jobs):
                return try await ThreadsBackend(workers: jobs, chunking: chunking).map(inputs, progress: sink, body)
            case .threadPool(let pool, let jobs):
                return try await (pool ?? ThreadPool(workers: jobs)).map(inputs, progress: sink, body)
            case .processes, .pool: throw Self.closureRejected(on: .processes)  // plan(closure:) rejects these
            case .named(let entry, let jobs):
                // The entry said it runs closures (plan(closure:) checked); its backend must too.
                guard let backend = try await entry.make(jobs) as? any ClosureBackend else {
                    throw Self.closureRejected(on: self.backend ?? .threads)
                }
                return try await backend.map(inputs, progress: sink, body)
            }
        }
    }

    /// Runs `task` on every input and returns the outputs in input order, on any backend: the
    /// form for processes (`Parallel(backend: .processes).map($square, numbers)`).
    ///
    /// ```swift
    /// @WorkerFunction func functionToTest(i: Int, j: Int) -> Int { … }
    /// let pairs = (0..<30).flatMap { i in (0..<10).map { j in functionToTest_WorkerTask.Input(i, j) } }
    /// let values = try await Parallel(backend: .processes).map($functionToTest, pairs)
    /// ```
    ///
    /// - Throws: ``BackendError``: the first failure — a task that threw
    ///   (``BackendError/Code/taskFailed``), a worker that died or ran past `timeout`; the option
    ///   errors of ``Parallel``.
    public func map<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: some Collection<Task.Input>
    ) async throws(BackendError) -> [Task.Output] {
        let inputs = Array(inputs)
        let plan = try plan()
        return try await reporting(total: inputs.count) { sink throws(BackendError) in
            switch plan {
            case .serial: return try await SerialBackend().map(task, inputs, progress: sink)
            case .threads(let jobs): return try await ThreadsBackend(workers: jobs).map(task, inputs, progress: sink)
            case .threadPool(let pool, let jobs):
                return try await (pool ?? ThreadPool(workers: jobs)).map(task, inputs, progress: sink)
            case .processes(let worker, let jobs, let timeout):
                return try await Self.withWorkerProcesses(worker, jobs, timeout: timeout) { pool throws(BackendError) in
                    try await pool.map(
                        task, inputs, chunking: timeout == nil ? chunking : .fixed(1), sharing: sharing, progress: sink)
                }
            case .pool(let pool):
                return try await pool.map(task, inputs, chunking: chunking, sharing: sharing, progress: sink)
            case .named(let entry, let jobs): return try await entry.make(jobs).map(task, inputs, progress: sink)
            }
        }
    }

    /// Runs `body` with the call's sink: the user's, or a bar made for the call and finished when
    /// it ends, however it ends.
    func reporting<Result>(
        total: Int?, _ body: ((any ProgressSink)?) async throws(BackendError) -> Result
    ) async throws(BackendError) -> Result {
        switch progress {
        case nil: return try await body(nil)
        case .sink(let sink): return try await body(sink)
        case .bar:
            let bar = ProgressBar(style: [.bar, .eta], total: total)
            do {
                let result = try await body(bar)
                bar.finish()
                return result
            } catch {
                bar.finish(failed: error.code != .cancelled)
                throw error
            }
        }
    }

    /// Starts `jobs` worker processes (of `worker`, or of this executable) for one call, runs
    /// `body`, and leaves no worker behind: closed and joined on success, terminated and joined
    /// on failure.
    static func withWorkerProcesses<Result>(
        _ worker: WorkerExecutable?, _ jobs: Workers, timeout: Duration?,
        _ body: (ProcessPool) async throws(BackendError) -> Result
    ) async throws(BackendError) -> Result {
        try await startPool(worker, jobs, timeout: timeout).shuttingDown(after: body)
    }

    static func startPool(_ worker: WorkerExecutable?, _ jobs: Workers, timeout: Duration?) async throws(BackendError)
        -> ProcessPool
    {
        if let worker { return try await ProcessPool(workers: jobs, worker: worker, taskTimeout: timeout) }
        return try await ProcessPool(workers: jobs, taskTimeout: timeout)
    }
}
