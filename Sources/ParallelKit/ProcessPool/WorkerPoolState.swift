/// The process pool's books as a state machine: which workers live, which are idle, how many
/// are starting, how many batches each has run, how many batches run from a caller's thread,
/// and whether the pool is closing, ended or broken. Each method takes an event and returns
/// what to do.
///
/// Pure: it starts, stops, signals and waits for nothing and takes no lock, so every transition
/// is tested without processes (`WorkerPoolStateTests`). ``WorkerPoolDriver`` holds it under its
/// lock and carries out the actions: spawn, stop, kill, reap, wait, wake.
///
/// The events, in a worker's life: ``beginStart()`` or ``checkOut()`` (`.start`) count a start;
/// ``started(_:)`` or ``startFailed(_:)`` end it. A started worker is held (a ``Lease``) until
/// ``checkIn(_:ranBatch:)`` makes it idle or retires it; ``checkOut()`` and
/// ``checkOutIdle(_:)`` lend idle ones again. A lent worker found dead (``foundDead(_:exit:)``) or
/// failing its batch (``workerFailed(_:failure:exit:tasks:attemptsLeft:)``) leaves the books.
/// ``close()``, ``stop()`` and ``kill()`` end the pool.
///
/// Restarts: a worker that leaves the books before the pool ends (crashed, timed out, found
/// dead, retired) is paired with the next worker that passes its handshake; that pair is a
/// ``WorkerRestart``, counted in ``restarts`` and handed out by ``takeRestarts()``.
struct WorkerPoolState<Worker: PooledWorker> {
    struct Configuration: Sendable, Equatable {
        var workers: Int
        var maxTasksPerWorker: Int?
        var taskTimeout: Duration?
        var retries: Int
    }

    enum Phase: Equatable {
        /// Lending workers.
        case running
        /// `close()`: no more batches from callers' threads; queued batches still run.
        case closing
        /// Stopped or terminated: nothing is lent or started any more.
        case ended
    }

    /// A worker lent to one thread, and the batches it had run when lent.
    struct Lease: Equatable {
        let worker: Worker
        fileprivate(set) var batches: Int

        init(worker: Worker, batches: Int) {
            self.worker = worker
            self.batches = batches
        }
    }

    /// Whether a start may go ahead (a start counted until ``started(_:)`` or ``startFailed(_:)``).
    enum Admission: Equatable {
        case start
        case refuse(BackendError)
    }

    /// What becomes of a worker that has passed its handshake.
    enum StartOutcome: Equatable {
        /// The caller holds it.
        case accepted(Lease)
        /// The pool ended meanwhile: kill it, and refuse with ``BackendError/closed``.
        case kill(Worker)
    }

    enum CheckOut: Equatable {
        /// Use this idle worker (first check that it still runs).
        case use(Lease)
        /// Start a worker (counted as starting) and use it.
        case start
        /// Every worker is busy: wait until one is checked in or leaves, then ask again.
        case wait
        case refuse(BackendError)
    }

    enum DirectCheckOut: Equatable {
        /// Use these idle workers (first check that they still run); a direct run is counted
        /// until ``endDirectRun()``.
        case use([Lease])
        /// Queue the batches instead: too few idle workers, or the pool is closing.
        case queue
        case refuse(BackendError)
    }

    enum CheckIn: Equatable {
        /// It is idle again: wake a waiter.
        case idle
        /// Stop it politely (it reached `maxTasksPerWorker`, or the pool has ended).
        case retire(Worker)
    }

    /// How to end a worker whose batch failed.
    enum Ending: Equatable {
        /// At once: it timed out, or its byte stream cannot be trusted any more.
        case killNow
        /// Hang up and allow it `grace` to exit.
        case stop(grace: Duration)
    }

    /// What becomes of a batch whose worker failed.
    enum Verdict: Equatable {
        /// Run it again on another worker.
        case retry
        case fail(BackendError)
    }

    enum Stop: Equatable {
        /// Batches run from callers' threads are still running: wait for them, then ask again.
        case waitForDirectRuns
        /// Stop these workers politely.
        case stop([Worker])
    }

    /// What ``kill()`` asks for.
    struct Kill: Equatable {
        /// `SIGKILL` each of these; busy ones leave the books through their holders.
        var all: [Worker]
        /// Then reap these (the idle ones, which no one else will).
        var idle: [Worker]
    }

    let configuration: Configuration
    private(set) var phase = Phase.running
    /// Set once the pool cannot go on (an initializer that throws on a replacement worker).
    private(set) var broken: BackendError?
    private var live: [Int32: Worker] = [:]
    /// Idle workers, the most recently checked in last.
    private var idle: [Lease] = []
    private(set) var starting = 0
    /// Batches run outside the dispatcher threads (the calling-thread path and the threads that
    /// finish what it hands over); ``stop()`` waits for them.
    private(set) var directRuns = 0
    /// Initial workers ready, for ``initialStartsDone(of:)``.
    private var initialReady = 0
    /// Workers that left before the pool ended and are not replaced yet, oldest first.
    private var departed: [(pid: Int32, reason: WorkerRestart.Reason)] = []
    /// Replacements started so far (``ProcessPool/workerRestarts``).
    private(set) var restarts = 0
    /// Restarts not yet handed out by ``takeRestarts()``.
    private var pendingRestarts: [WorkerRestart] = []

    init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    var livePIDs: [Int32] { live.keys.sorted() }
    var idleWorkers: [Worker] { idle.map(\.worker) }

    /// Why nothing can be lent or started, if nothing can.
    private var refusal: BackendError? { phase == .ended ? .closed : broken }

    // MARK: Starting

    /// A start outside ``checkOut()``: one of the pool's initial workers.
    mutating func beginStart() -> Admission {
        if let refusal { return .refuse(refusal) }
        starting += 1
        return .start
    }

    /// A counted start passed its handshake and initializer.
    mutating func started(_ worker: Worker) -> StartOutcome {
        starting -= 1
        guard phase != .ended else { return .kill(worker) }
        live[worker.pid] = worker
        if !departed.isEmpty {
            let replaced = departed.removeFirst()
            restarts += 1
            pendingRestarts.append(WorkerRestart(pid: worker.pid, replacedPID: replaced.pid, reason: replaced.reason))
        }
        return .accepted(Lease(worker: worker, batches: 0))
    }

    /// A counted start failed; an initializer that throws breaks the pool.
    mutating func startFailed(_ error: BackendError) {
        starting -= 1
        if error.code == .initializerFailed { broken = error }
    }

    /// An initial worker is ready: it becomes idle (as ``checkIn(_:ranBatch:)``).
    mutating func initialWorkerReady(_ lease: Lease) -> CheckIn {
        initialReady += 1
        return checkIn(lease, ranBatch: false)
    }

    /// Whether `count` initial workers are ready (so that the start-up jobs ran on `count`
    /// different dispatcher threads), or the pool has ended.
    func initialStartsDone(of count: Int) -> Bool { initialReady >= count || phase == .ended }

    // MARK: Lending

    mutating func checkOut() -> CheckOut {
        if let refusal { return .refuse(refusal) }
        if let lease = idle.popLast() { return .use(lease) }
        if live.count + starting < configuration.workers {
            starting += 1
            return .start
        }
        return .wait
    }

    /// `count` idle workers for a batch run from the caller's thread, or none: it never waits or
    /// starts a worker (starting one takes milliseconds, the queued path's to spend).
    mutating func checkOutIdle(_ count: Int) -> DirectCheckOut {
        guard phase == .running else { return .queue }
        if let broken { return .refuse(broken) }
        guard idle.count >= count else { return .queue }
        let taken = Array(idle[(idle.count - count)...].reversed())
        idle.removeLast(count)
        directRuns += 1
        return .use(taken)
    }

    /// A run from the caller's thread is over (its last worker checked in or dropped).
    mutating func endDirectRun() { directRuns -= 1 }

    /// A lent idle worker had ended (killed, OOM) with `exit` before it was used; a replacement
    /// follows.
    mutating func foundDead(_ lease: Lease, exit: TerminationStatus) {
        live[lease.worker.pid] = nil
        depart(lease.worker, .diedWhileIdle(exit))
    }

    /// The restarts since the last call, oldest first: for the pool's `onWorkerRestart` handler.
    mutating func takeRestarts() -> [WorkerRestart] {
        defer { pendingRestarts = [] }
        return pendingRestarts
    }

    /// Records a worker that left the books before the pool ended.
    private mutating func depart(_ worker: Worker, _ reason: WorkerRestart.Reason) {
        if phase != .ended { departed.append((worker.pid, reason)) }
    }

    /// A worker comes back: idle again, or retired after `maxTasksPerWorker` batches or once the
    /// pool has ended.
    mutating func checkIn(_ lease: Lease, ranBatch: Bool) -> CheckIn {
        var lease = lease
        if phase != .ended {
            if ranBatch { lease.batches += 1 }
            if configuration.maxTasksPerWorker.map({ lease.batches < $0 }) ?? true {
                idle.append(lease)
                return .idle
            }
        }
        live[lease.worker.pid] = nil
        depart(lease.worker, .maxTasksPerWorker)
        return .retire(lease.worker)
    }

    // MARK: Failures

    /// The error a batch that failed in its worker is reported with.
    static func error(for failure: BatchFailure, tasks: Range<Int>) -> BackendError {
        switch failure.kind {
        case .thrown: return .taskFailed(failure.error, task: tasks.lowerBound + failure.index)
        case .undecodable, .unencodable: return .undecodable(tasks: tasks, detail: failure.error.message)
        case .tooLarge:
            let size = failure.size ?? .init(bytes: 0, limit: 0, holding: "result")
            return .messageTooLarge(
                bytes: size.bytes, limit: size.limit, tasks: tasks, pid: failure.error.pid, what: size.holding)
        }
    }

    /// How to end a worker that failed with `failure`. One whose answer claims more than the
    /// limit is killed: the rest of that frame cannot be skipped, so the channel is useless.
    static func ending(for failure: FrameChannel.Failure) -> Ending {
        switch failure {
        case .timedOut, .undecodable, .oversized: return .killNow
        case .notDelivered, .closed, .system: return .stop(grace: .seconds(1))
        }
    }

    /// A lent worker failed running the batch of `tasks` with `failure` and has ended with
    /// `exit`: it leaves the books. The batch runs again if it never reached the worker (it died
    /// while idle), or if it crashed the worker and `attemptsLeft` (counted down) allows.
    mutating func workerFailed(
        _ worker: Worker, failure: FrameChannel.Failure, exit: TerminationStatus, tasks: Range<Int>,
        attemptsLeft: inout Int
    ) -> Verdict {
        live[worker.pid] = nil
        guard phase != .ended else { return .fail(.closed) }
        switch failure {
        case .notDelivered: depart(worker, .diedWhileIdle(exit))
        case .timedOut: depart(worker, .timedOut)
        case .undecodable: depart(worker, .undecodable)
        case .closed, .oversized, .system: depart(worker, .crashed(exit))
        }
        switch failure {
        case .notDelivered:
            return .retry
        case .timedOut:
            return .fail(.timedOut(pid: worker.pid, tasks: tasks, timeout: configuration.taskTimeout ?? .zero))
        case .undecodable(let detail):
            return .fail(.undecodable(tasks: tasks, detail: detail))
        case .oversized(let bytes, let limit):
            // Never retried: the same batch would make the same answer.
            return .fail(.messageTooLarge(bytes: bytes, limit: limit, tasks: tasks, pid: worker.pid))
        case .closed, .system:
            guard attemptsLeft > 0 else { return .fail(.workerCrashed(pid: worker.pid, exit: exit, tasks: tasks)) }
            attemptsLeft -= 1
            return .retry
        }
    }

    /// The time left of `taskTimeout` for a batch sent `elapsed` nanoseconds ago (at least zero).
    static func remainingTimeout(of taskTimeout: Duration?, elapsed: UInt64) -> Duration? {
        taskTimeout.map { max($0 - .nanoseconds(Int64(clamping: elapsed)), .zero) }
    }

    // MARK: Ending

    /// `close()`: no more runs from callers' threads; queued batches still run.
    mutating func close() {
        if phase == .running { phase = .closing }
    }

    /// `join()`, once the dispatcher threads have ended: stop every worker, after the runs from
    /// callers' threads have finished.
    mutating func stop() -> Stop {
        close()
        if directRuns > 0 && phase != .ended { return .waitForDirectRuns }
        phase = .ended
        defer {
            live = [:]
            idle = []
        }
        return .stop(sortedLive)
    }

    /// `terminate()`: kill every worker now. Idle ones leave the books here; a busy one through
    /// its holder, which sees it die (``workerFailed(_:failure:exit:tasks:attemptsLeft:)``).
    mutating func kill() -> Kill {
        phase = .ended
        let all = sortedLive
        let idleWorkers = idle.map(\.worker)
        for worker in idleWorkers { live[worker.pid] = nil }
        idle = []
        return Kill(all: all, idle: idleWorkers)
    }

    private var sortedLive: [Worker] { live.values.sorted { $0.pid < $1.pid } }
}
