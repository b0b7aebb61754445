import ParallelKitSystem
import Synchronization

/// One ``WorkerTask`` run in a new process of its own: Python's
/// `multiprocessing.Process(target=…, args=…)` with `start()` and `join()`.
///
/// ```swift
/// let summer = WorkerProcess(SumRange.self, .init(from: 0, to: 50_000_000))
/// summer.start()
/// print("worker", summer.pid!)
/// let total = try await summer.join()      // the task's output; the process has exited
/// ```
///
/// The process dies with its parent. ``terminate()`` sends `SIGTERM`, ``kill()`` `SIGKILL`;
/// `join()` then fails with ``BackendError/workerCrashed(pid:exit:tasks:)`` naming the signal.
public final class WorkerProcess<Task: WorkerTask>: Sendable {
    /// The encoded input: the input itself is not kept, so shared objects in it (whose segments
    /// its creator unlinks on release) live no longer than the caller keeps them.
    private let payload: [UInt8]
    private let launch: WorkerConnection.Launch
    /// The child while it runs (its pidfd stays open until `exit` is set, under this lock).
    private let state = Mutex<(child: ChildHandle?, exit: TerminationStatus?, started: Bool)>((nil, nil, false))
    private let outcome = Future<Task.Output, BackendError>()

    /// A process that will run `task` with `input` once started.
    ///
    /// - Parameters:
    ///   - task: the registered task to run.
    ///   - input: its input, encoded now.
    ///   - executable: the program to start; by default this one (`/proc/self/exe`), which must
    ///     call ``WorkerTasks/serveIfWorker(_:)-(WorkerTask....)`` first thing in `main`. Another program must
    ///     register `task` there too, and is accepted only as a build `accepting:` names — or
    ///     pass `worker:` (``WorkerExecutable``), which carries both. In `swift test` this program
    ///     is the test bundle, which cannot serve: tests pass `worker: .product("MyWorker")`.
    ///   - maxMessageBytes: the largest message (the input or the output) either way, in bytes;
    ///     `join()` then fails with ``BackendError/Code/messageTooLarge``.
    ///   - accepting: which builds of `executable` are accepted (``AcceptedBuild``); by default
    ///     only this executable's own.
    public init(
        _ task: Task.Type, _ input: Task.Input, executable: String? = nil,
        maxMessageBytes: Int = WireLimits.defaultMaxMessageBytes, accepting: AcceptedBuild = .sameBuild
    ) {
        payload = (try? WireCoder.encode([input])) ?? []
        launch = WorkerConnection.Launch(
            executable: executable ?? "/proc/self/exe", accepting: accepting,
            maxMessageBytes: WireLimits.checked(maxMessageBytes, in: "WorkerProcess"))
    }

    /// A process of another executable, `worker` (``WorkerExecutable``), accepted as the build
    /// it names, that will run `task` with `input` once started: how a test runs one.
    ///
    /// ```swift
    /// let process = WorkerProcess(Square.self, 12, worker: try .product("SquareWorker"))
    /// process.start()
    /// #expect(try await process.join() == 144)
    /// ```
    ///
    /// The rest is as for ``init(_:_:executable:maxMessageBytes:accepting:)`` with
    /// `executable: worker.path, accepting: worker.accepting`.
    public convenience init(
        _ task: Task.Type, _ input: Task.Input, worker: WorkerExecutable,
        maxMessageBytes: Int = WireLimits.defaultMaxMessageBytes
    ) {
        self.init(task, input, executable: worker.path, maxMessageBytes: maxMessageBytes, accepting: worker.accepting)
    }

    /// Starts the process. It runs on a thread of its own, which stays until the process ends
    /// (a worker is told to die when the thread that started it ends).
    ///
    /// - Precondition: not started before.
    public func start() {
        let first = state.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        precondition(first, "WorkerProcess.start(): a process can be started only once")
        let job = BatchJob(Task.self, payload: payload, range: 0..<1)
        WorkerThread(name: "pk-process") { [self] in run(job) }.start()
    }

    /// The process ID, once started.
    public var pid: Int32? { state.withLock { $0.child?.pid } }

    /// How the process ended, once it has and was reaped.
    public var exitStatus: TerminationStatus? { state.withLock { $0.exit } }

    /// Waits for the task's output; the process has exited when this returns.
    ///
    /// - Throws: ``BackendError/taskFailed(_:task:)`` if the task threw;
    ///   ``BackendError/workerCrashed(pid:exit:tasks:)`` if the process died first;
    ///   ``BackendError/Code/taskNotRegistered`` if `executable` does not register `Task`;
    ///   ``BackendError/Code/workerNotServing`` if it ran its `main` instead of serving.
    /// - Precondition: ``start()`` was called.
    public func join() async throws(BackendError) -> Task.Output {
        precondition(state.withLock { $0.started }, "WorkerProcess.join() before start() would wait forever")
        do {
            return try await outcome.value
        } catch {
            throw error.processPoolError
        }
    }

    /// Waits at most `timeout` for the task's output (Python's `join(timeout)`). When the
    /// process has not ended by then, it keeps running: ``kill()`` it, or join again.
    ///
    /// ```swift
    /// do {
    ///     total = try await summer.join(timeout: .seconds(5))
    /// } catch where error.code == .timedOut {
    ///     summer.kill()                      // then join() reports the signal
    /// }
    /// ```
    ///
    /// - Throws: ``BackendError/timedOut(pid:tasks:timeout:)`` when `timeout` passed first;
    ///   otherwise as ``join()``.
    /// - Precondition: ``start()`` was called.
    public func join(timeout: Duration) async throws(BackendError) -> Task.Output {
        precondition(state.withLock { $0.started }, "WorkerProcess.join(timeout:) before start() would wait forever")
        let outcome = self.outcome
        // The wait runs on a thread of its own, not on a timer in the cooperative pool: a pool
        // whose threads are all busy would run the timer late, and the timeout with it.
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome?, Never>) in
            WorkerThread(name: "pk-process-join") {
                do throws(FutureError<BackendError>) {
                    continuation.resume(returning: .success(try outcome.wait(timeout: timeout)))
                } catch .timedOut {
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }.start()
        }
        guard let result else { throw .timedOut(pid: pid ?? 0, tasks: 0..<1, timeout: timeout) }
        do {
            return try result.get()
        } catch {
            throw error.processPoolError
        }
    }

    private typealias Outcome = Result<Task.Output, FutureError<BackendError>>

    /// Asks the process to stop (`SIGTERM`).
    public func terminate() { signal(SIGTERM) }

    /// Stops the process at once (`SIGKILL`).
    public func kill() { signal(SIGKILL) }

    private func signal(_ signal: Int32) {
        // Under the lock: the pidfd is open until `exit` is set, and never reaches another process.
        state.withLock { state in
            if state.exit == nil { state.child?.signal(signal) }
        }
    }

    private func run(_ job: BatchJob) {
        let connection: WorkerConnection
        do {
            connection = try WorkerConnection.start(launch)
        } catch {
            outcome.finish(.failure(.failed(error)))
            return
        }
        state.withLock { $0.child = connection.child }
        let serves: Bool
        do throws(BatchRunFailure) {
            serves = try connection.serves(job)
        } catch {
            let exit = connection.stop(grace: .seconds(1))
            state.withLock { $0.exit = exit }
            outcome.finish(.failure(.failed(.workerCrashed(pid: connection.pid, exit: exit, tasks: 0..<1))))
            return
        }
        guard serves else {
            let exit = connection.stop(grace: .seconds(1))
            state.withLock { $0.exit = exit }
            let refusal = WorkerConnection.refusal(of: job, pid: connection.pid, registered: connection.signature(of: job.task))
            outcome.finish(.failure(.failed(refusal)))
            return
        }
        let result: Result<Task.Output, BackendError>
        do throws(BatchRunFailure) {
            let bytes = try connection.run(task: job.task, payload: job.payload, timeout: nil)
            let exit = connection.stop(grace: .seconds(5))
            state.withLock { $0.exit = exit }
            if let outputs = try? WireCoder.decode([Task.Output].self, consuming: consume bytes), outputs.count == 1 {
                result = .success(outputs[0])
            } else {
                result = .failure(.undecodable(tasks: 0..<1, detail: "the result could not be decoded"))
            }
        } catch {
            let exit = connection.stop(grace: .seconds(1))
            state.withLock { $0.exit = exit }
            switch error {
            case .batch(let failure): result = .failure(WorkerPoolState<WorkerConnection>.error(for: failure, tasks: 0..<1))
            case .worker(.oversized(let bytes, let limit)):
                result = .failure(.messageTooLarge(bytes: bytes, limit: limit, tasks: 0..<1, pid: connection.pid))
            case .worker: result = .failure(.workerCrashed(pid: connection.pid, exit: exit, tasks: 0..<1))
            }
        }
        switch result {
        case .success(let value): outcome.finish(.success(value))
        case .failure(let error): outcome.finish(.failure(.failed(error)))
        }
    }
}

