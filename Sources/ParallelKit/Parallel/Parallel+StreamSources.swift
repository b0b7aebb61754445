import Synchronization

// Where a ``ParallelStream``'s elements come from, one function per kind of backend: in this
// process (a loop, or a window of tasks), a process pool, or windows over a registered
// backend's `map`.

extension Parallel {
    /// The stream's elements on the in-process backends, or `nil` for the others.
    func inProcess<Inputs: Sequence, Output: Sendable>(
        _ plan: Plan, _ inputs: Inputs, _ maxBuffered: Int?, _ unordered: Bool,
        _ run: @escaping @Sendable (Inputs.Element) async throws -> Output
    ) -> ParallelStream<Indexed<Output>>.Next? where Inputs.Element: Sendable {
        let executor: (any TaskExecutor)?
        let jobs: Workers
        switch plan {
        case .serial: return Self.loop(inputs, run)
        case .threads(let count): (executor, jobs) = (nil, count)
        case .threadPool(let pool, let count):
            let pool = pool ?? ThreadPool(workers: count)
            (executor, jobs) = (pool, .count(pool.workerCount))
        default: return nil
        }
        let window = ResultWindow<SequenceInput<Inputs.Iterator>, Output, BackendError>(
            limit: maxBuffered ?? 2 * jobs.count, maxEntries: .max, input: SequenceInput(base: inputs.makeIterator()),
            inCompletionOrder: unordered
        ) { [limiter = StartLimiter(limit: jobs.count)] input, index in
            let future = Future<Output, BackendError>()
            limiter.start {
                Task(executorPreference: executor) {
                    defer { limiter.ended() }
                    guard future.start() else { return }  // dropped by the window before it started
                    do {
                        future.finish(.success(try await run(input)))
                    } catch {
                        future.finish(.failure(.failed(.taskFailed(RemoteTaskError(error), task: index))))
                    }
                }
            }
            return future
        }
        return { () async throws(BackendError) in
            do throws(FutureError<BackendError>) {
                guard let (index, value) = try await window.next(isolation: nil) else {
                    if window.endedByCancellation { throw FutureError<BackendError>.cancelled }
                    return nil
                }
                return (index, value)
            } catch {
                throw error.processPoolError
            }
        }
    }

    /// A plain loop in the consuming task: one item per element taken.
    private static func loop<Inputs: Sequence, Output>(
        _ inputs: Inputs, _ run: @escaping @Sendable (Inputs.Element) async throws -> Output
    ) -> ParallelStream<Indexed<Output>>.Next {
        var iterator = inputs.makeIterator()
        var index = 0
        var ended = false
        return { () async throws(BackendError) in
            guard !ended else { return nil }
            if Task.isCancelled {
                ended = true
                throw .cancelled
            }
            guard let input = iterator.next() else { return nil }
            defer { index += 1 }
            do {
                return (index, try await run(input))
            } catch {
                ended = true
                throw .taskFailed(RemoteTaskError(error), task: index)
            }
        }
    }

    /// Takes `size` inputs at a time and `map`s them, for backends that only `map`: the bound on
    /// results held is the window. Errors name indices in the whole input.
    func windows<Inputs: Sequence, Output>(
        _ inputs: Inputs, size: Int, _ map: @escaping ([Inputs.Element]) async throws(BackendError) -> [Output]
    ) -> ParallelStream<Indexed<Output>>.Next {
        precondition(size >= 1, "maxBuffered: \(size): the bound must be 1 or more")
        var iterator = inputs.makeIterator()
        var pending: [Output] = []
        var position = 0
        var start = 0
        var ended = false
        return { () async throws(BackendError) in
            guard !ended else { return nil }
            if position == pending.count {
                start += pending.count
                var window: [Inputs.Element] = []
                while window.count < size, let input = iterator.next() { window.append(input) }
                guard !window.isEmpty else { return nil }
                do throws(BackendError) {
                    (pending, position) = (try await map(window), 0)
                } catch {
                    ended = true
                    var error = error
                    error.tasks = error.tasks.map { ($0.lowerBound + start)..<($0.upperBound + start) }
                    throw error
                }
            }
            defer { position += 1 }
            return (start + position, pending[position])
        }
    }
}

/// A stream's process pool: started at the first element, shut down (closed and joined) at the
/// end, terminated and joined on an error, terminated when the loop is left early (its workers
/// are killed at once and reaped by a join in the background) — for pools made for the stream;
/// a pool the caller passed is only used.
final class PoolForStream: Sendable {
    private let pool: Mutex<ProcessPool?> = Mutex(nil)
    private let owned: Bool

    private init(owned: Bool) { self.owned = owned }

    deinit {
        guard owned, let pool = pool.withLock({ $0 }) else { return }
        pool.terminate()
        Task.detached { await pool.join() }
    }

    static func next<Element>(
        start: @escaping @Sendable () async throws(BackendError) -> ProcessPool, owned: Bool = true,
        stream: @escaping (ProcessPool) -> ParallelStream<Element>.Next
    ) -> ParallelStream<Element>.Next {
        let holder = PoolForStream(owned: owned)
        var current: ParallelStream<Element>.Next?
        var ended = false
        return { () async throws(BackendError) -> Element? in
            if ended { return nil }
            do throws(BackendError) {
                let next: ParallelStream<Element>.Next
                if let current {
                    next = current
                } else {
                    let pool = try await start()
                    holder.pool.withLock { $0 = pool }
                    next = stream(pool)
                    current = next
                }
                if let element = try await next() { return element }
                ended = true
                await holder.shutDown(failed: false)
                return nil
            } catch {
                ended = true
                await holder.shutDown(failed: true)
                throw error
            }
        }
    }

    private func shutDown(failed: Bool) async {
        guard owned, let pool = pool.withLock({ state in defer { state = nil }; return state }) else { return }
        if failed { pool.terminate() } else { pool.close() }
        await pool.join()
    }
}
