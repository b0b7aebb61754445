import ParallelKitSystem

/// Carries out a pool's ``WorkerPoolState``: holds it under one lock and does what its actions
/// say — starts workers through `host`, lends them to the threads that run batches, sends and
/// awaits batches, stops, kills and reaps workers, and waits and wakes threads.
///
/// Idle workers wait in the state. Whoever runs a batch — a dispatcher thread, or `apply`'s
/// caller on its own thread (``runOnCallingThread(_:)``) — checks one out, has it to itself, and
/// checks it back in. A worker found dead is dropped, and the next checkout starts a replacement.
///
/// `Host` is ``ProcessWorkerHost`` in a ``ProcessPool`` (``WorkerSupervisor``), a scripted
/// fake in tests.
final class WorkerPoolDriver<Host: WorkerHost>: @unchecked Sendable {
    // @unchecked: `state` is guarded by `lock`; a lent worker is used only by the thread holding
    // its lease, and it changes hands under `lock`.
    typealias Worker = Host.Worker
    typealias State = WorkerPoolState<Worker>

    let host: Host
    let taskTimeout: Duration?
    let retries: Int
    /// Told of each replacement worker, on the thread that started it, outside the lock.
    let onWorkerRestart: (@Sendable (WorkerRestart) -> Void)?
    let lock = PThreadLock()
    /// Guarded by `lock`.
    var state: State

    init(
        host: Host, configuration: State.Configuration, onWorkerRestart: (@Sendable (WorkerRestart) -> Void)? = nil
    ) {
        self.host = host
        taskTimeout = configuration.taskTimeout
        retries = configuration.retries
        self.onWorkerRestart = onWorkerRestart
        state = State(configuration)
    }

    var livePIDs: [Int32] { lock.withLock { state.livePIDs } }

    /// How many replacement workers have been started.
    var restarts: Int { lock.withLock { state.restarts } }

    /// How long ``startInitialWorker(of:)`` waits for the other initial workers.
    static var initialStartWait: Duration { .seconds(30) }

    /// Starts one worker, then waits until `count` threads have done the same — so that the
    /// pool's start-up jobs run on `count` different dispatcher threads, in parallel.
    func startInitialWorker(of count: Int) throws(BackendError) {
        if case .refuse(let error) = lock.withLock({ state.beginStart() }) { throw error }
        let lease = try finishStart()
        let action = lock.withLock { () -> State.CheckIn in
            let action = state.initialWorkerReady(lease)
            lock.broadcast()
            let deadline = MonotonicClock.deadline(after: Self.initialStartWait)
            while !state.initialStartsDone(of: count) {
                if !lock.wait(untilNanoseconds: deadline) { break }
            }
            return action
        }
        perform(action)
    }

    /// Starts a worker the state counts as starting; the caller holds it.
    private func finishStart() throws(BackendError) -> State.Lease {
        let worker: Worker
        do {
            worker = try host.startWorker()
        } catch {
            lock.withLock {
                state.startFailed(error)
                lock.broadcast()  // a failed start leaves room for a waiter to try
            }
            throw error
        }
        let (outcome, restarts) = lock.withLock { () -> (State.StartOutcome, [WorkerRestart]) in
            defer { lock.broadcast() }
            return (state.started(worker), state.takeRestarts())
        }
        if let onWorkerRestart { restarts.forEach(onWorkerRestart) }
        switch outcome {
        case .accepted(let lease):
            return lease
        case .kill(let worker):
            worker.killNow()
            throw .closed
        }
    }

    /// An idle, running worker for the caller alone: waits for one, or starts one when fewer
    /// than the pool's count are alive.
    private func checkOut() throws(BackendError) -> State.Lease {
        while true {
            lock.lock()
            var action = state.checkOut()
            while case .wait = action {
                lock.wait()
                action = state.checkOut()
            }
            lock.unlock()
            switch action {
            case .use(let lease):
                if lease.worker.isRunning() { return lease }
                let exit = lease.worker.reap()
                lock.withLock {
                    state.foundDead(lease, exit: exit)
                    lock.broadcast()
                }
            case .start:
                return try finishStart()
            case .refuse(let error):
                throw error
            case .wait:
                preconditionFailure("checkOut returned .wait after waiting")
            }
        }
    }

    /// Puts a worker back: idle again, or stopped after `maxTasksPerWorker` batches.
    func checkIn(_ lease: State.Lease, ranBatch: Bool) {
        let action = lock.withLock { () -> State.CheckIn in
            defer { lock.broadcast() }
            return state.checkIn(lease, ranBatch: ranBatch)
        }
        perform(action)
    }

    private func perform(_ action: State.CheckIn) {
        if case .retire(let worker) = action { worker.stop(grace: .seconds(1)) }
    }

    /// Runs `job` on an idle worker (waiting for one), replacing the worker if it fails.
    func run(_ job: BatchJob) throws(BackendError) -> [UInt8] {
        try run(job, attemptsLeft: retries)
    }

    /// ``run(_:)`` with `attemptsLeft` retries left for a batch whose worker dies.
    func run(_ job: BatchJob, attemptsLeft: Int) throws(BackendError) -> [UInt8] {
        var attemptsLeft = attemptsLeft
        while true {
            let lease = try checkOut()
            if let outputs = try send(job, on: lease, attemptsLeft: &attemptsLeft) {
                return outputs
            }
        }
    }

    /// Sends `job` to a lent worker and waits for the answer. Returns the outputs, or `nil` when
    /// the job should run again on another worker; checks the worker back in or drops it.
    private func send(
        _ job: BatchJob, on lease: State.Lease, attemptsLeft: inout Int
    ) throws(BackendError) -> [UInt8]? {
        let serves: Bool
        do throws(BatchRunFailure) {
            serves = try lease.worker.serves(job)
        } catch {
            try settle(error, of: job, on: lease, attemptsLeft: &attemptsLeft)
            return nil
        }
        guard serves else {
            checkIn(lease, ranBatch: false)
            throw Self.refusal(of: job, by: lease.worker)
        }
        let id: UInt64
        do throws(BatchRunFailure) {
            id = try lease.worker.send(task: job.task, payload: job.payload)
        } catch {
            try settle(error, of: job, on: lease, attemptsLeft: &attemptsLeft)
            return nil
        }
        return try awaitAnswer(id, of: job, on: lease, timeout: taskTimeout, attemptsLeft: &attemptsLeft)
    }

    /// Waits for the answer to request `id`, as ``send(_:on:attemptsLeft:)``.
    func awaitAnswer(
        _ id: UInt64, of job: BatchJob, on lease: State.Lease, timeout: Duration?, attemptsLeft: inout Int
    ) throws(BackendError) -> [UInt8]? {
        do throws(BatchRunFailure) {
            let outputs = try lease.worker.answer(to: id, timeout: timeout.map { max($0, .zero) })
            checkIn(lease, ranBatch: true)
            return outputs
        } catch {
            try settle(error, of: job, on: lease, attemptsLeft: &attemptsLeft)
            return nil
        }
    }

    /// Deals with a failed batch: throws its error, or returns when the batch should run again.
    /// Checks the worker back in when only the batch failed, else ends it and drops it.
    func settle(
        _ failure: BatchRunFailure, of job: BatchJob, on lease: State.Lease, attemptsLeft: inout Int
    ) throws(BackendError) {
        let channelFailure: FrameChannel.Failure
        switch failure {
        case .batch(let batchFailure):
            checkIn(lease, ranBatch: true)
            throw State.error(for: batchFailure, tasks: job.range)
        case .worker(let failure):
            channelFailure = failure
        }
        let exit: TerminationStatus
        switch State.ending(for: channelFailure) {
        case .killNow: exit = lease.worker.killNow()
        case .stop(let grace): exit = lease.worker.stop(grace: grace)
        }
        let verdict = lock.withLock { () -> State.Verdict in
            defer { lock.broadcast() }
            return state.workerFailed(
                lease.worker, failure: channelFailure, exit: exit, tasks: job.range, attemptsLeft: &attemptsLeft)
        }
        if case .fail(let error) = verdict { throw error }
    }

    static func refusal(of job: BatchJob, by worker: Worker) -> BackendError {
        WorkerConnection.refusal(of: job, pid: worker.pid, registered: worker.signature(of: job.task))
    }

    /// Lends no more workers to callers' threads (after `close()`); queued batches still run.
    func close() {
        lock.withLock { state.close() }
    }

    /// Ends every worker politely, once the dispatcher threads have ended and every batch run
    /// from a caller's thread has finished (after `close()`).
    func stopAll() {
        let workers = lock.withLock { () -> [Worker] in
            while true {
                switch state.stop() {
                case .waitForDirectRuns:
                    lock.wait()
                case .stop(let workers):
                    lock.broadcast()
                    return workers
                }
            }
        }
        for worker in workers { worker.stop(grace: .seconds(1)) }
        host.shutDown()
    }

    /// Kills every worker at once; batches running on them fail with ``BackendError/closed``.
    func killAll() {
        let kill = lock.withLock { () -> State.Kill in
            defer { lock.broadcast() }
            return state.kill()
        }
        for worker in kill.all { worker.sendKill() }
        for worker in kill.idle { worker.reap() }
        host.shutDown()
    }
}
