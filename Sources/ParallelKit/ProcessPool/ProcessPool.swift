import ParallelKitSystem
import Synchronization

/// Supervised worker processes running ``WorkerTask``s: Python's `multiprocessing.Pool`,
/// without its hangs.
///
/// ```swift
/// WorkerTasks.serveIfWorker()                        // first line of main
/// let squares = try await withProcessPool(workers: .all) { pool in
///     try await pool.map(Square.self, Array(0..<10_000_000))   // batched automatically
/// }
/// ```
///
/// Workers are the same executable started again with `posix_spawn` (or `executable:`), talking
/// over a private socket pair — their stdout and stderr stay yours. A worker that dies (signal,
/// `fatalError`, non-zero exit, OOM kill) fails only the tasks it held, with an error naming its
/// pid, how it ended and the tasks' indices; the pool starts a replacement and goes on. Workers
/// die with the parent. See `Guides/ProcessPool.md` for the failure table.
///
/// - Note: Thread-safe. No call blocks the calling thread: results are awaited, ``join()`` waits
///   on a thread of its own, and ``terminate()`` only sends signals.
public final class ProcessPool: Sendable {
    /// The number of worker processes.
    public let workerCount: Int
    /// One thread per worker, each running one batch at a time on a worker it checks out.
    let dispatchers: ThreadPool
    let supervisor: WorkerSupervisor
    /// The segments of the latest successful shared map, for the next (``Sharing``).
    let keptSegments = KeptSegments()

    /// Starts `workers` worker processes and waits until every one has passed the handshake and
    /// run the initializer.
    ///
    /// - Parameters:
    ///   - workers: how many processes; `.all` is the usable cores.
    ///   - executable: the program to start; by default this one (`/proc/self/exe`), which must
    ///     call ``WorkerTasks/serveIfWorker(_:)-(WorkerTask....)`` first thing in `main`. Another program must
    ///     call it too, registering the tasks this pool is given, and is accepted only as a build
    ///     `accepting:` names — or pass `worker:` (``WorkerExecutable``), which carries both. In
    ///     `swift test` this program is the test bundle, which cannot serve: tests pass
    ///     `worker: .product("MyWorker")`, an executable target of the package.
    ///   - arguments: extra command-line arguments for the workers.
    ///   - initializer: run once in every worker before its first task (Python's `initializer`);
    ///     if it throws, this initializer throws ``BackendError/initializerFailed(_:)``.
    ///   - maxTasksPerWorker: replace a worker after this many batches (Python's
    ///     `maxtasksperchild`), to contain leaks.
    ///   - taskTimeout: a batch running longer is failed with
    ///     ``BackendError/timedOut(pid:tasks:timeout:)`` and its worker replaced.
    ///   - retries: how many times a batch whose worker died is run again on a new worker.
    ///   - handshakeTimeout: how long a new worker may take to announce itself, and then to run
    ///     the initializer; one that takes longer is killed and the start fails with
    ///     ``BackendError/handshakeRefused(_:)``. A worker that dies is seen at once, whatever
    ///     this says.
    ///   - maxMessageBytes: the largest message (a batch's inputs or results) either way, in
    ///     bytes (``WireLimits``); a batch over it fails with
    ///     ``BackendError/messageTooLarge(bytes:limit:tasks:pid:what:)``, never retried.
    ///   - accepting: which builds of `executable` are accepted at the handshake; by default
    ///     only this executable's own. For another executable pass
    ///     `.build(try WorkerTasks.buildID(ofExecutable: path))`, or `.anyBuild` to opt out.
    ///   - onWorkerRestart: called with each ``WorkerRestart`` — a worker replaced after it
    ///     crashed, timed out, died idle or reached `maxTasksPerWorker` — on the pool's thread
    ///     that started the replacement; keep it short. ``workerRestarts`` counts them.
    /// - Throws: ``BackendError`` when a worker cannot be started, fails the handshake (another
    ///   protocol, a build not accepted, a task of the same name with other types), or its
    ///   initializer throws (or crashes) — as soon as the first one fails, with every worker
    ///   and every process they started gone.
    public init(
        workers: Workers = .all,
        executable: String? = nil,
        arguments: [String] = [],
        initializer: WorkerInitializer? = nil,
        maxTasksPerWorker: Int? = nil,
        taskTimeout: Duration? = nil,
        retries: Int = 0,
        handshakeTimeout: Duration = .seconds(30),
        maxMessageBytes: Int = WireLimits.defaultMaxMessageBytes,
        accepting: AcceptedBuild = .sameBuild,
        onWorkerRestart: (@Sendable (WorkerRestart) -> Void)? = nil
    ) async throws(BackendError) {
        precondition(maxTasksPerWorker.map { $0 >= 1 } ?? true, "ProcessPool(maxTasksPerWorker:) must be 1 or more")
        precondition(retries >= 0, "ProcessPool(retries: \(retries)): must be 0 or more")
        let count = workers.count
        workerCount = count
        let launch = WorkerConnection.Launch(
            executable: executable ?? "/proc/self/exe", arguments: arguments, accepting: accepting,
            maxMessageBytes: WireLimits.checked(maxMessageBytes, in: "ProcessPool"),
            initializer: initializer, handshakeTimeout: handshakeTimeout)
        dispatchers = ThreadPool(workers: .count(count))
        supervisor = WorkerSupervisor(
            launch: launch, workers: count, maxTasksPerWorker: maxTasksPerWorker, taskTimeout: taskTimeout, retries: retries,
            onWorkerRestart: onWorkerRestart)
        // Start the workers from the dispatcher threads, so that their handshakes overlap.
        var starts: [Future<Void, BackendError>] = []
        for _ in 0..<count {
            let supervisor = self.supervisor
            guard
                let start = try? dispatchers.submit({ () throws(BackendError) in
                    try supervisor.startInitialWorker(of: count)
                })
            else {
                break
            }
            starts.append(start)
        }
        // The first start to fail, whichever it is, fails the pool at once: the others may be
        // waiting out a handshake (a worker busy crashing, its crash reporter running). Then
        // every start is awaited, so that no worker, and no process one started, outlives the
        // error: terminating ends the spawner thread, which kills the workers still starting
        // (`PR_SET_PDEATHSIG`), and each start sees its worker die (pidfd) and kills its group.
        let firstFailure = Future<Void, BackendError>()
        for start in starts {
            start.onCompletion { outcome in
                if case .failure(let error) = outcome { firstFailure.finish(.failure(error)) }
            }
        }
        Task { [starts] in
            for start in starts { _ = try? await start.value }
            firstFailure.finish(.success(()))  // ignored when one failed first
        }
        do {
            try await firstFailure.value
        } catch {
            terminate()
            for start in starts { _ = try? await start.value }
            if case .failed(let failure) = error { throw failure }
            throw .closed
        }
    }

    /// Starts `workers` processes of another executable, `worker` (``WorkerExecutable``), and
    /// accepts them as the build it names: how a test, which cannot start itself as a worker,
    /// starts a pool.
    ///
    /// ```swift
    /// let pool = try await ProcessPool(workers: 2, worker: .product("SquareWorker"))
    /// defer { pool.terminate() }
    /// let squares = try await pool.map(Square.self, [1, 2, 3])
    /// ```
    ///
    /// Every other parameter, and what it throws, is as for
    /// ``init(workers:executable:arguments:initializer:maxTasksPerWorker:taskTimeout:retries:handshakeTimeout:maxMessageBytes:accepting:onWorkerRestart:)``
    /// with `executable: worker.path, accepting: worker.accepting`.
    public convenience init(
        workers: Workers = .all,
        worker: WorkerExecutable,
        arguments: [String] = [],
        initializer: WorkerInitializer? = nil,
        maxTasksPerWorker: Int? = nil,
        taskTimeout: Duration? = nil,
        retries: Int = 0,
        handshakeTimeout: Duration = .seconds(30),
        maxMessageBytes: Int = WireLimits.defaultMaxMessageBytes,
        onWorkerRestart: (@Sendable (WorkerRestart) -> Void)? = nil
    ) async throws(BackendError) {
        try await self.init(
            workers: workers, executable: worker.path, arguments: arguments, initializer: initializer,
            maxTasksPerWorker: maxTasksPerWorker, taskTimeout: taskTimeout, retries: retries,
            handshakeTimeout: handshakeTimeout, maxMessageBytes: maxMessageBytes, accepting: worker.accepting,
            onWorkerRestart: onWorkerRestart)
    }

    deinit {
        terminate()
    }

    /// Queues one batch of `inputs` for `task`. Its future holds the outputs and how long the
    /// batch took on its dispatcher (send to answer), for automatic batching. With a sharing
    /// `transport`, the batch travels as its range of the call's segments.
    func submitBatch<Task: WorkerTask>(
        _ task: Task.Type, _ inputs: ArraySlice<Task.Input>, firstIndex: Int,
        cancellation: CancellationFlag? = nil, transport: MapTransport<Task> = .copying
    ) -> Future<BatchOutcome<Task.Output>, BackendError> {
        let range = firstIndex..<(firstIndex + inputs.count)
        let job: BatchJob
        do {
            job = try transport.job(inputs, range: range)
        } catch {
            let future = Future<BatchOutcome<Task.Output>, BackendError>()
            future.finish(.failure(.failed(.undecodable(tasks: range, detail: "inputs could not be encoded: \(error)"))))
            return future
        }
        return submitEncoded(job, of: task, cancellation: cancellation, transport: transport)
    }

    /// Queues one batch already encoded, as ``submitBatch(_:_:firstIndex:cancellation:transport:)``.
    func submitEncoded<Task: WorkerTask>(
        _ job: BatchJob, of task: Task.Type, cancellation: CancellationFlag? = nil,
        transport: MapTransport<Task> = .copying
    ) -> Future<BatchOutcome<Task.Output>, BackendError> {
        let future = Future<BatchOutcome<Task.Output>, BackendError>()
        let range = job.range
        let supervisor = self.supervisor
        let submitted = try? dispatchers.submit { () throws(BackendError) -> BatchOutcome<Task.Output> in
            if cancellation?.isCancelled == true { throw .cancelled }
            let started = MonotonicClock.nanoseconds()
            let outputs = try supervisor.run(job)
            let seconds = Double(MonotonicClock.nanoseconds() &- started) / 1e9
            return BatchOutcome(outputs: try transport.outputs(from: consume outputs, range: range), seconds: seconds)
        }
        guard let submitted else {
            future.finish(.failure(.failed(.closed)))
            return future
        }
        submitted.onCompletion { future.finish($0) }
        cancellation?.onCancel { submitted.cancel() }
        return future
    }

    /// The outputs of a batch covering `range`, decoded (using the bytes up) and counted.
    static func decode<Task: WorkerTask>(
        _ bytes: consuming [UInt8], of task: Task.Type, range: Range<Int>
    ) throws(BackendError) -> [Task.Output] {
        let decoded: [Task.Output]
        do {
            decoded = try WireCoder.decode([Task.Output].self, consuming: bytes)
        } catch {
            throw .undecodable(tasks: range, detail: "results could not be decoded: \(error)")
        }
        guard decoded.count == range.count else {
            throw .undecodable(tasks: range, detail: "\(decoded.count) results for \(range.count) tasks")
        }
        return decoded
    }

    /// Stops accepting work; queued and running work still finishes (Python's `close()`).
    public func close() {
        supervisor.close()
        dispatchers.close()
        keptSegments.releaseAll()
    }

    /// Waits until a closed pool has finished its work and its workers have exited (Python's
    /// `join()`); does not block a thread of the cooperative pool.
    public func join() async {
        let dispatchers = self.dispatchers
        let supervisor = self.supervisor
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            WorkerThread(name: "pk-pool-join") {
                dispatchers.join()
                supervisor.stopAll()
                continuation.resume()
            }.start()
        }
    }

    /// Stops now: work not started fails with ``BackendError/closed``, running work fails
    /// too, and every worker is killed and reaped (Python's `terminate()`).
    public func terminate() {
        dispatchers.terminate()
        supervisor.killAll()
        keptSegments.releaseAll()
    }

    /// Runs `body` with this pool and leaves no worker behind: on return the pool is closed and
    /// joined, on a thrown error terminated and joined. The one ending of ``withProcessPool`` and
    /// of the pools ``Parallel`` makes for a call.
    func shuttingDown<Result, Failure: Error>(
        isolation: isolated (any Actor)? = #isolation, after body: (ProcessPool) async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        do {
            let result = try await body(self)
            close()
            await join()
            return result
        } catch {
            terminate()
            await join()
            throw error
        }
    }

    /// The process IDs of the workers alive now.
    public var workerPIDs: [Int32] { supervisor.livePIDs }

    /// How many workers have been replaced so far — after a crash, a timeout, a death while
    /// idle or `maxTasksPerWorker` (each also reported to `onWorkerRestart:`). A count that
    /// keeps climbing is a respawn loop.
    public var workerRestarts: Int { supervisor.restarts }
}

/// The outputs of one batch and its time on the dispatcher.
struct BatchOutcome<Output: Sendable>: Sendable {
    var outputs: [Output]
    var seconds: Double
}

/// A task and an input for a pool's initializer.
public struct WorkerInitializer: Sendable {
    let task: String
    /// Its mangled type name, for a worker that does not list it (``WorkerTasks/discover(task:type:)``).
    let discoverableType: String
    let payload: [UInt8]

    /// Runs `task` with `input` once in every worker before it takes work.
    ///
    /// - Precondition: `input` can be encoded.
    public init<Task: WorkerTask>(_ task: Task.Type, _ input: Task.Input) {
        self.task = Task.name
        discoverableType = WorkerTasks.discoverableName(of: task)
        do {
            payload = try WireCoder.encode([input])
        } catch {
            preconditionFailure("WorkerInitializer: the input of \(Task.name) cannot be encoded: \(error)")
        }
    }
}

/// A flag shared by the batches of one call, set when its Swift task is cancelled.
final class CancellationFlag: Sendable {
    private let state = Mutex<(cancelled: Bool, handlers: [@Sendable () -> Void])>((false, []))

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func cancel() {
        let handlers = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.cancelled else { return [] }
            state.cancelled = true
            defer { state.handlers = [] }
            return state.handlers
        }
        handlers.forEach { $0() }
    }

    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.cancelled { return true }
            state.handlers.append(handler)
            return false
        }
        if now { handler() }
    }
}
