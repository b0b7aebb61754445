import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One batch on its way to a worker.
struct BatchJob: Sendable {
    let task: String
    let signature: String
    let payload: [UInt8]
    /// The indices of the batch's tasks in the caller's input.
    let range: Range<Int>
}

/// Owns a pool's worker processes: starts, lends, replaces and kills them.
///
/// Idle workers wait in `idle`. Whoever runs a batch — a dispatcher thread, or `apply`'s caller
/// on its own thread — checks one out, has it to itself, and checks it back in. Any thread may
/// drive any worker because none of them started it: workers are spawned on `spawner`, a thread
/// that lives until every worker has been stopped — a worker is told to die when the *thread*
/// that started it ends (`PR_SET_PDEATHSIG`). A worker found dead is dropped, and the next
/// checkout starts a replacement.
final class WorkerSupervisor: @unchecked Sendable {
    // @unchecked: every `var` is guarded by `lock`; a checked-out connection is used only by the
    // thread holding it, and it changes hands under `lock`.
    private let launch: WorkerConnection.Launch
    private let workerCount: Int
    private let maxTasksPerWorker: Int?
    private let taskTimeout: Duration?
    private let retries: Int
    private let spawner = ThreadPool(workers: 1)
    private let lock = PThreadLock()
    private var live: [Int32: WorkerConnection] = [:]
    private var idle: [WorkerConnection] = []
    private var starting = 0
    /// Batches run outside the dispatcher threads (`runOnCallingThread` and the threads that
    /// finish what it hands over); ``stopAll()`` waits for them.
    private var directRuns = 0
    /// Threads that have started their first worker, for ``startInitialWorker(of:)``.
    private var startedThreads = 0
    private var batchesRun: [Int32: Int] = [:]
    /// Set once the pool cannot go on (an initializer that throws on a replacement worker).
    private var broken: ProcessPoolError?
    private var closing = false
    private var killed = false

    init(
        launch: WorkerConnection.Launch, workers: Int, maxTasksPerWorker: Int?, taskTimeout: Duration?, retries: Int
    ) {
        self.launch = launch
        self.workerCount = workers
        self.maxTasksPerWorker = maxTasksPerWorker
        self.taskTimeout = taskTimeout
        self.retries = retries
    }

    var livePIDs: [Int32] { lock.withLock { Array(live.keys).sorted() } }

    /// Starts one worker, then waits until `count` threads have done the same — so that the
    /// pool's start-up jobs run on `count` different dispatcher threads, in parallel.
    func startInitialWorker(of count: Int) throws(ProcessPoolError) {
        let connection = try startWorker()
        lock.withLock {
            if !killed { idle.append(connection) }
            startedThreads += 1
            lock.broadcast()
            let deadline = Ticks.monotonicNanoseconds() &+ 30_000_000_000
            while startedThreads < count && !killed {
                if !lock.wait(untilNanoseconds: deadline) { break }
            }
        }
    }

    /// Starts a worker and adds it to `live`; the caller holds it (it is not idle).
    private func startWorker() throws(ProcessPoolError) -> WorkerConnection {
        if let refusal = lock.withLock({ killed ? ProcessPoolError.closed : broken }) { throw refusal }
        let connection: WorkerConnection
        do {
            connection = try WorkerConnection.start(launch, spawner: spawner)
        } catch {
            if case .initializerFailed = error { lock.withLock { broken = error } }
            throw error
        }
        let accepted = lock.withLock { () -> Bool in
            guard !killed else { return false }
            live[connection.pid] = connection
            return true
        }
        guard accepted else {
            connection.killNow()
            throw .closed
        }
        return connection
    }

    /// An idle, living worker for the caller alone: waits for one, or starts one when fewer
    /// than the pool's count are alive.
    private func checkOut() throws(ProcessPoolError) -> WorkerConnection {
        lock.lock()
        while true {
            if killed {
                lock.unlock()
                throw .closed
            }
            if let broken {
                lock.unlock()
                throw broken
            }
            if let connection = popLivingIdle() {
                lock.unlock()
                return connection
            }
            if live.count + starting < workerCount {
                starting += 1
                lock.unlock()
                defer {
                    lock.withLock {
                        starting -= 1
                        lock.broadcast()  // a failed start leaves room for a waiter to try
                    }
                }
                return try startWorker()
            }
            lock.wait()
        }
    }

    /// `count` idle, living workers for the caller alone, or `nil` (taking none) when fewer are
    /// idle now. It never waits or starts a worker: starting one takes milliseconds, which is
    /// the queued path's to spend, not a caller's thread.
    private func checkOutIdle(_ count: Int) throws(ProcessPoolError) -> [WorkerConnection]? {
        try lock.withLock { () throws(ProcessPoolError) -> [WorkerConnection]? in
            if killed { throw .closed }
            if let broken { throw broken }
            var taken: [WorkerConnection] = []
            while taken.count < count, let connection = popLivingIdle() { taken.append(connection) }
            guard taken.count == count else {
                idle.append(contentsOf: taken.reversed())
                return nil
            }
            return taken
        }
    }

    /// The last idle worker that is still alive; dead ones found on the way are forgotten (a
    /// replacement follows). The lock must be held.
    private func popLivingIdle() -> WorkerConnection? {
        while let connection = idle.popLast() {
            if connection.reap(blocking: false) == nil { return connection }
            // It died while idle (killed, OOM).
            live[connection.pid] = nil
            batchesRun[connection.pid] = nil
        }
        return nil
    }

    /// Puts a worker back: idle again, or retired after `maxTasksPerWorker` batches.
    private func checkIn(_ connection: WorkerConnection, ranBatch: Bool) {
        let retire = lock.withLock { () -> Bool in
            defer { lock.broadcast() }
            if killed {
                live[connection.pid] = nil
                return true
            }
            if ranBatch { batchesRun[connection.pid, default: 0] += 1 }
            if let limit = maxTasksPerWorker, batchesRun[connection.pid, default: 0] >= limit {
                live[connection.pid] = nil
                batchesRun[connection.pid] = nil
                return true
            }
            idle.append(connection)
            return false
        }
        if retire { connection.stop(grace: .seconds(1)) }
    }

    /// Runs `job` on an idle worker (waiting for one), replacing the worker if it fails.
    func run(_ job: BatchJob) throws(ProcessPoolError) -> [UInt8] {
        try run(job, attemptsLeft: retries)
    }

    /// ``run(_:)`` with `attemptsLeft` retries left for a batch whose worker dies.
    private func run(_ job: BatchJob, attemptsLeft: Int) throws(ProcessPoolError) -> [UInt8] {
        var attemptsLeft = attemptsLeft
        while true {
            let connection = try checkOut()
            if let outputs = try send(job, to: connection, attemptsLeft: &attemptsLeft) {
                return outputs
            }
        }
    }

    /// How long a caller polls for the answers of the batches it sent before it hands the wait
    /// to a thread.
    static let callingThreadSpinMicroseconds = 200.0

    /// The outcome of ``runOnCallingThread(_:)``: each job's outputs, in the jobs' order.
    enum DirectRun {
        /// The workers answered while the caller polled.
        case finished([[UInt8]])
        /// The answers are awaited on a thread of its own; the future holds them.
        case handedOver(Future<[[UInt8]], ProcessPoolError>)
    }

    /// A job the caller sent that has not answered yet.
    private struct SentJob {
        let index: Int
        let connection: WorkerConnection
        let id: UInt64
    }

    /// A job whose worker failed before answering; ``settle(_:of:on:attemptsLeft:)`` decides.
    private struct FailedJob {
        let index: Int
        let connection: WorkerConnection
        let failure: WorkerConnection.RunFailure
    }

    /// Runs `jobs` from the calling thread when as many workers are idle now: sends one job to
    /// each and polls for the answers for ``callingThreadSpinMicroseconds``, then hands the wait
    /// to one thread. `nil` when too few workers are idle or the pool is closing (the caller
    /// then queues the jobs). A batch that throws fails the run, by the first such answer, once
    /// every job has ended.
    ///
    /// Why: a round trip through a dispatcher thread costs two thread hand-offs on top of the
    /// worker's, and on 2 cores the caller, the dispatcher and the worker compete for them
    /// (measured: 28–41 µs per `apply` of a no-op against 11–15 µs driven from the caller; and
    /// for a map of two 1.8 ms tasks, the second dispatcher was often left queued behind the
    /// first worker, so the halves ran one after the other).
    func runOnCallingThread(_ jobs: [BatchJob]) throws(ProcessPoolError) -> DirectRun? {
        let admitted = lock.withLock { () -> Bool in
            guard !closing, !killed else { return false }
            directRuns += 1
            return true
        }
        guard admitted else { return nil }
        var handedOver = false
        defer { if !handedOver { endDirectRun() } }
        guard let connections = try checkOutIdle(jobs.count) else { return nil }
        if let refused = zip(connections, jobs).first(where: { !$0.0.serves($0.1) }) {
            for connection in connections { checkIn(connection, ranBatch: false) }
            throw .handshakeRefused("worker \(refused.0.pid) does not register \(refused.1.signature)")
        }
        let started = Ticks.monotonicNanoseconds()
        var outputs = [[UInt8]?](repeating: nil, count: jobs.count)
        var firstError: ProcessPoolError?
        var sent: [SentJob] = []
        var failed: [FailedJob] = []
        for (index, (connection, job)) in zip(connections, jobs).enumerated() {
            do throws(WorkerConnection.RunFailure) {
                sent.append(SentJob(index: index, connection: connection, id: try connection.send(task: job.task, payload: job.payload)))
            } catch {
                failed.append(FailedJob(index: index, connection: connection, failure: error))
            }
        }
        // With several workers woken, yield between polls: on 2 cores one of them waits for the
        // caller's CPU.
        let yielding = jobs.count > 1
        let end = Ticks.now() &+ Ticks.fromMicroseconds(Self.callingThreadSpinMicroseconds)
        while !sent.isEmpty {
            sent.removeAll { job in
                do throws(WorkerConnection.RunFailure) {
                    guard let answer = try job.connection.answerIfReady(to: job.id, spinningMicroseconds: 0) else { return false }
                    outputs[job.index] = answer
                    checkIn(job.connection, ranBatch: true)
                } catch {
                    if case .batch(let failure) = error {
                        checkIn(job.connection, ranBatch: true)
                        firstError = firstError ?? Self.error(for: failure, of: jobs[job.index])
                    } else {
                        failed.append(FailedJob(index: job.index, connection: job.connection, failure: error))
                    }
                }
                return true
            }
            if sent.isEmpty || Ticks.now() >= end { break }
            if yielding { sched_yield() }
        }
        if sent.isEmpty && failed.isEmpty {
            if let firstError { throw firstError }
            return .finished(outputs.map { $0! })
        }
        // Failed workers are settled, and slow answers awaited, away from the caller's thread.
        handedOver = true
        return .handedOver(finishElsewhere { [self, sent, failed, outputs, firstError] () throws(ProcessPoolError) -> [[UInt8]] in
            var outputs = outputs
            var firstError = firstError
            for job in failed {
                do throws(ProcessPoolError) {
                    var attemptsLeft = retries
                    try settle(job.failure, of: jobs[job.index], on: job.connection, attemptsLeft: &attemptsLeft)
                    outputs[job.index] = try run(jobs[job.index], attemptsLeft: attemptsLeft)
                } catch {
                    firstError = firstError ?? error
                }
            }
            for job in sent {
                do throws(ProcessPoolError) {
                    var attemptsLeft = retries
                    let elapsed = Duration.nanoseconds(Int64(Ticks.monotonicNanoseconds() &- started))
                    let timeout = taskTimeout.map { $0 - elapsed }
                    if let answer = try awaitAnswer(job.id, of: jobs[job.index], on: job.connection, timeout: timeout, attemptsLeft: &attemptsLeft) {
                        outputs[job.index] = answer
                    } else {
                        outputs[job.index] = try run(jobs[job.index], attemptsLeft: attemptsLeft)
                    }
                } catch {
                    firstError = firstError ?? error
                }
            }
            if let firstError { throw firstError }
            return outputs.map { $0! }
        })
    }

    private func endDirectRun() {
        lock.withLock {
            directRuns -= 1
            lock.broadcast()
        }
    }

    /// Runs `finish` on a thread of its own and returns its future. At most one such thread
    /// per worker exists at a time: each holds at least one checked-out worker.
    private func finishElsewhere(
        _ finish: @escaping @Sendable () throws(ProcessPoolError) -> [[UInt8]]
    ) -> Future<[[UInt8]], ProcessPoolError> {
        let future = Future<[[UInt8]], ProcessPoolError>()
        OSThread.start(name: "pk-pool-wait", joinable: false) { [self] in
            do throws(ProcessPoolError) {
                future.finish(.success(try finish()))
            } catch {
                future.finish(.failure(.failed(error)))
            }
            endDirectRun()
        }
        return future
    }

    /// Sends `job` to a checked-out worker and waits for the answer. Returns the outputs, or
    /// `nil` when the job should run again on another worker; checks the worker back in or
    /// drops it.
    private func send(
        _ job: BatchJob, to connection: WorkerConnection, attemptsLeft: inout Int
    ) throws(ProcessPoolError) -> [UInt8]? {
        guard connection.serves(job) else {
            checkIn(connection, ranBatch: false)
            throw .handshakeRefused("worker \(connection.pid) does not register \(job.signature)")
        }
        let id: UInt64
        do throws(WorkerConnection.RunFailure) {
            id = try connection.send(task: job.task, payload: job.payload)
        } catch {
            try settle(error, of: job, on: connection, attemptsLeft: &attemptsLeft)
            return nil
        }
        return try awaitAnswer(id, of: job, on: connection, timeout: taskTimeout, attemptsLeft: &attemptsLeft)
    }

    /// Waits for the answer to request `id`, as ``send(_:to:attemptsLeft:)``.
    private func awaitAnswer(
        _ id: UInt64, of job: BatchJob, on connection: WorkerConnection, timeout: Duration?, attemptsLeft: inout Int
    ) throws(ProcessPoolError) -> [UInt8]? {
        do throws(WorkerConnection.RunFailure) {
            let outputs = try connection.answer(to: id, timeout: timeout.map { max($0, .zero) })
            checkIn(connection, ranBatch: true)
            return outputs
        } catch {
            try settle(error, of: job, on: connection, attemptsLeft: &attemptsLeft)
            return nil
        }
    }

    /// Deals with a failed batch: throws its error, or returns when the batch should run again
    /// (its worker died before taking it, or a retry is left). Checks the worker back in when
    /// only the batch failed, else ends and drops it.
    private func settle(
        _ failure: WorkerConnection.RunFailure, of job: BatchJob, on connection: WorkerConnection, attemptsLeft: inout Int
    ) throws(ProcessPoolError) {
        let channelFailure: FrameChannel.Failure
        switch failure {
        case .batch(let batchFailure):
            checkIn(connection, ranBatch: true)
            throw Self.error(for: batchFailure, of: job)
        case .worker(let failure):
            channelFailure = failure
        }
        let pid = connection.pid
        let error: ProcessPoolError
        switch channelFailure {
        case .timedOut:
            connection.killNow()
            error = .taskTimedOut(pid: pid, tasks: job.range, timeout: taskTimeout ?? .zero)
        case .undecodable(let detail):
            connection.killNow()  // the byte stream cannot be trusted any more
            error = .undecodable(tasks: job.range, detail: detail)
        case .notDelivered:
            // The batch never reached the worker (it died while idle): run it on a new one.
            connection.stop(grace: .seconds(1))
            if drop(connection) { throw .closed }
            return
        case .closed, .oversized, .system:
            error = .workerCrashed(pid: pid, exit: connection.stop(grace: .seconds(1)), tasks: job.range)
        }
        if drop(connection) { throw .closed }
        if case .workerCrashed = error, attemptsLeft > 0 {
            attemptsLeft -= 1
            return
        }
        throw error
    }

    /// Forgets a worker that failed; returns whether the pool was killed meanwhile.
    private func drop(_ connection: WorkerConnection) -> Bool {
        lock.withLock {
            live[connection.pid] = nil
            batchesRun[connection.pid] = nil
            lock.broadcast()
            return killed
        }
    }

    private static func error(for failure: BatchFailure, of job: BatchJob) -> ProcessPoolError {
        switch failure.kind {
        case .thrown: return .taskFailed(failure.error, task: job.range.lowerBound + failure.index)
        case .undecodable, .unencodable: return .undecodable(tasks: job.range, detail: failure.error.message)
        }
    }

    /// Lends no more workers to callers (after `close()`); queued batches still run.
    func close() {
        lock.withLock { closing = true }
    }

    /// Ends every worker politely, once the dispatcher threads have ended and every batch run
    /// from a caller's thread has finished (after `close()`).
    func stopAll() {
        let workers = lock.withLock { () -> [WorkerConnection] in
            closing = true
            while directRuns > 0 && !killed { lock.wait() }
            killed = true
            lock.broadcast()
            defer {
                idle = []
                live = [:]
            }
            return Array(live.values)
        }
        for worker in workers { worker.stop(grace: .seconds(1)) }
        spawner.terminate()
    }

    /// Kills every worker at once; batches running on them fail with ``ProcessPoolError/closed``.
    func killAll() {
        let (all, idleWorkers) = lock.withLock { () -> ([WorkerConnection], [WorkerConnection]) in
            killed = true
            closing = true
            lock.broadcast()
            let all = Array(live.values)
            let idleWorkers = idle
            // Idle workers leave the books now; a busy one is dropped by its holder, which sees it die.
            for worker in idleWorkers { live[worker.pid] = nil }
            idle = []
            return (all, idleWorkers)
        }
        for worker in all { kill(worker.pid, SIGKILL) }
        for worker in idleWorkers { _ = worker.reap(blocking: true) }
        spawner.terminate()
    }
}

extension WorkerConnection: @unchecked Sendable {
    // @unchecked: a connection is used by one thread at a time — the supervisor hands it out
    // under its lock and takes it back the same way.
}
